// Amplify subscriptions: generateClient().graphql(...).subscribe() over AppSync's real-time protocol (wss).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { generateClient } from 'aws-amplify/api';

import { configureAmplify, newUsername, nextValue, signInAs } from './support/stack.mjs';

configureAmplify();
const client = generateClient();

const ACTION_FIELDS = 'id channelId type isActive payload { __typename ... on NoticeAction { title message } }';
const ON_STREAM_ACTION = `subscription OnStreamAction($channelId: ID!) { onStreamAction(channelId: $channelId) { ${ACTION_FIELDS} } }`;
// The mutation selects every field the subscribers select (channelId too, which the filter compares):
// AppSync sends subscribers only what the mutation selected.
const SEND_NOTICE = `mutation Notice($title: String!) {
  sendStreamAction(input: { notice: { title: $title, message: "from the JS suite", duration: 5 } }) { ${ACTION_FIELDS} }
}`;
const ON_STREAM_METRICS = `subscription OnStreamMetrics($channelId: ID!) {
  onStreamMetrics(channelId: $channelId) { channelId sessionId series { name period points { timestamp value } } }
}`;

let bobChannel;

before(async () => {
  const { data } = await client.graphql({ query: '{ channel(username: "bob") { id isLive } }', authMode: 'apiKey' });
  assert.equal(data.channel.isLive, true, 'bob is live in the demo data');
  bobChannel = data.channel.id;
});

test('a public subscription (apiKey) receives the overlays the streamer sends', async () => {
  // GIVEN bob, live, signed in to send overlays, and an anonymous viewer subscribed to his with the API key
  await signInAs('bob');
  const title = newUsername('note');
  const viewer = client.graphql({ query: ON_STREAM_ACTION, variables: { channelId: bobChannel }, authMode: 'apiKey' });

  // WHEN bob shows a notice
  const event = await nextValue((observer) => viewer.subscribe(observer), {
    accept: ({ data }) => data.onStreamAction.payload.title === title,
    trigger: () => client.graphql({ query: SEND_NOTICE, variables: { title } }),
    what: `the notice ${title}`,
  });

  // THEN the viewer receives it, as the mutation returned it
  assert.deepEqual(event.data.onStreamAction.payload, { __typename: 'NoticeAction', title, message: 'from the JS suite' });
  assert.equal(event.data.onStreamAction.channelId, bobChannel);
  assert.equal(event.data.onStreamAction.isActive, true);
});

test('an owner-only subscription (userPool) receives the owner\'s live metrics', async () => {
  // GIVEN bob, live, signed in
  await signInAs('bob');

  // WHEN he subscribes to his own channel's metrics (the local stack pushes them every few seconds)
  const metrics = client.graphql({ query: ON_STREAM_METRICS, variables: { channelId: bobChannel } });
  const event = await nextValue((observer) => metrics.subscribe(observer), { what: "bob's metrics" });

  // THEN the points of his channel's live session arrive
  const pushed = event.data.onStreamMetrics;
  assert.equal(pushed.channelId, bobChannel);
  assert.ok(pushed.sessionId);
  assert.ok(pushed.series.some((series) => series.points.length > 0), JSON.stringify(pushed));
});

test('an owner-only subscription for another user\'s channel is refused to the observer', async () => {
  // GIVEN alice, signed in
  await signInAs('alice');

  // WHEN she subscribes to bob's metrics
  const metrics = client.graphql({ query: ON_STREAM_METRICS, variables: { channelId: bobChannel } });

  // THEN her observer gets the subscription's Forbidden error, and no event
  await assert.rejects(nextValue((observer) => metrics.subscribe(observer), { what: 'the refusal' }), (error) => {
    const text = JSON.stringify(error);
    assert.match(text, /Forbidden/);
    assert.match(text, /only the channel's owner may subscribe/);
    return true;
  });
});

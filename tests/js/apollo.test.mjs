// Apollo Client: HttpLink behind an auth link for queries and mutations, GraphQLWsLink (graphql-ws) for
// subscriptions, with Amplify Auth supplying the signed-in user's ID token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { gql } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

import { anonymous, createApolloClient } from './support/apollo.mjs';
import { configureAmplify, newUsername, nextValue, signInAs, signUpUser } from './support/stack.mjs';

configureAmplify();
const signedIn = createApolloClient();
const viewer = createApolloClient({ idToken: anonymous });
const forged = createApolloClient({ idToken: async () => 'not-a-token' });

const CHANNEL = gql`
  query Channel($username: String!) {
    channel(username: $username) { id username isLive followerCount viewerIsFollowing }
  }
`;
const FOLLOW = gql`
  mutation Follow($username: String!) { follow(username: $username) { id followerCount viewerIsFollowing } }
`;
const ACTION_FIELDS = 'id channelId type isActive payload { __typename ... on NoticeAction { title } }';
const ON_STREAM_ACTION = gql(`subscription OnStreamAction($channelId: ID!) {
  onStreamAction(channelId: $channelId) { ${ACTION_FIELDS} }
}`);
const SEND_NOTICE = gql(`mutation Notice($title: String!) {
  sendStreamAction(input: { notice: { title: $title, message: "from Apollo", duration: 5 } }) { ${ACTION_FIELDS} }
}`);
const ON_STREAM_METRICS = gql`
  subscription OnStreamMetrics($channelId: ID!) {
    onStreamMetrics(channelId: $channelId) { channelId sessionId series { name points { value } } }
  }
`;

let carolChannel;

before(async () => {
  const { data } = await viewer.client.query({ query: CHANNEL, variables: { username: 'carol' } });
  assert.equal(data.channel.isLive, true, 'carol is live in the demo data');
  carolChannel = data.channel.id;
});

after(async () => {
  await Promise.all([signedIn, viewer, forged].map((apollo) => apollo.close()));
});

test('an anonymous viewer queries over HttpLink with the API key', async () => {
  // GIVEN / WHEN an Apollo client with no user asks for the directory and a channel page
  const { data: live } = await viewer.client.query({ query: gql`{ liveChannels { items { id username } } }` });
  const { data: page } = await viewer.client.query({ query: CHANNEL, variables: { username: 'carol' } });

  // THEN it gets them, with no viewer-specific answers
  assert.ok(live.liveChannels.items.some((channel) => channel.username === 'carol'));
  assert.equal(page.channel.id, carolChannel);
  assert.equal(page.channel.viewerIsFollowing, null);
});

test('a signed-in user\'s mutation updates the channel Apollo has cached, by id', async () => {
  // GIVEN a new user, signed in with Amplify, whose client cached carol's channel
  const { username, password } = await signUpUser();
  await signInAs(username, password);
  const { data: before } = await signedIn.client.query({ query: CHANNEL, variables: { username: 'carol' } });
  assert.equal(before.channel.viewerIsFollowing, false);

  // WHEN they follow carol (the ID token travels in the authorization header)
  const { data } = await signedIn.client.mutate({ mutation: FOLLOW, variables: { username: 'carol' } });

  // THEN the mutation answers for them, and the cached channel page shows it without a new request
  assert.equal(data.follow.viewerIsFollowing, true);
  assert.equal(data.follow.followerCount, before.channel.followerCount + 1);
  const cached = signedIn.client.readQuery({ query: CHANNEL, variables: { username: 'carol' } });
  assert.equal(cached.channel.viewerIsFollowing, true);
  assert.equal(cached.channel.followerCount, before.channel.followerCount + 1);
  const { data: me } = await signedIn.client.query({ query: gql`{ me { username } }` });
  assert.equal(me.me.username, username);
});

test('a field the API key may not read rejects with AppSync\'s Unauthorized error', async () => {
  // GIVEN an anonymous Apollo client
  // WHEN it asks for `me`
  // THEN the query rejects with CombinedGraphQLErrors carrying AppSync's error
  await assert.rejects(viewer.client.query({ query: gql`{ me { username } }` }), (error) => {
    assert.ok(CombinedGraphQLErrors.is(error), String(error));
    assert.equal(error.errors[0].errorType, 'Unauthorized');
    assert.equal(error.errors[0].message, 'Not Authorized to access me on type Query');
    assert.deepEqual(error.errors[0].path, ['me']);
    return true;
  });

  // AND with errorPolicy "all" the fields it may read still arrive beside the error
  const result = await viewer.client.query({
    query: gql`{ channel(username: "carol") { id username } me { username } }`,
    errorPolicy: 'all',
  });
  assert.equal(result.data.channel.username, 'carol');
  assert.equal(result.data.me, null);
  assert.equal(result.error.errors[0].errorType, 'Unauthorized');
});

test('a token that is not a JWT is refused with HTTP 401 UnauthorizedException', async () => {
  // GIVEN an Apollo client whose auth link sends a bad token
  // WHEN it queries
  // THEN Apollo reports the HTTP 401 and AppSync's UnauthorizedException body
  await assert.rejects(forged.client.query({ query: gql`{ me { username } }` }), (error) => {
    assert.ok(ServerError.is(error), String(error));
    assert.equal(error.statusCode, 401);
    assert.deepEqual(JSON.parse(error.bodyText).errors[0], {
      errorType: 'UnauthorizedException',
      message: 'Unable to parse JWT token.',
    });
    return true;
  });
});

test('a public subscription over GraphQLWsLink receives the overlays the streamer sends', async () => {
  // GIVEN carol, live, signed in, and an anonymous viewer subscribed to her overlays with the API key
  await signInAs('carol');
  const title = newUsername('note');
  const events = viewer.client.subscribe({ query: ON_STREAM_ACTION, variables: { channelId: carolChannel } });

  // WHEN carol shows a notice through her own Apollo client
  const result = await nextValue((observer) => events.subscribe(observer), {
    accept: ({ data, error }) => error || data?.onStreamAction.payload.title === title,
    trigger: () => signedIn.client.mutate({ mutation: SEND_NOTICE, variables: { title } }),
    what: `the notice ${title}`,
  });

  // THEN the viewer receives it
  assert.equal(result.error, undefined);
  assert.equal(result.data.onStreamAction.channelId, carolChannel);
  assert.deepEqual(result.data.onStreamAction.payload, { __typename: 'NoticeAction', title });
});

test('an owner-only subscription over GraphQLWsLink receives the owner\'s live metrics', async () => {
  // GIVEN carol, live, signed in
  await signInAs('carol');

  // WHEN she subscribes to her own channel's metrics with her ID token in connection_init
  const owner = createApolloClient();
  try {
    const events = owner.client.subscribe({ query: ON_STREAM_METRICS, variables: { channelId: carolChannel } });
    const result = await nextValue((observer) => events.subscribe(observer), { what: "carol's metrics" });

    // THEN her channel's live points arrive
    assert.equal(result.error, undefined);
    assert.equal(result.data.onStreamMetrics.channelId, carolChannel);
    assert.ok(result.data.onStreamMetrics.series.some((series) => series.points.length > 0));
  } finally {
    await owner.close();
  }
});

test('an owner-only subscription for another user\'s channel is refused to the observer', async () => {
  // GIVEN alice, signed in
  await signInAs('alice');

  // WHEN she subscribes to carol's metrics
  const intruder = createApolloClient();
  try {
    const events = intruder.client.subscribe({ query: ON_STREAM_METRICS, variables: { channelId: carolChannel } });
    const result = await nextValue((observer) => events.subscribe(observer), { what: 'the refusal' });

    // THEN her observer gets the subscription's Forbidden error, and no data
    assert.ok(CombinedGraphQLErrors.is(result.error), JSON.stringify(result));
    assert.equal(result.error.errors[0].errorType, 'Forbidden');
    assert.equal(result.error.errors[0].message, "only the channel's owner may subscribe to its stream events and metrics");
    assert.equal(result.data, undefined);
  } finally {
    await intruder.close();
  }
});

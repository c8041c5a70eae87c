// Amplify API (generateClient from aws-amplify/api): queries and mutations under the userPool and apiKey modes.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { generateClient } from 'aws-amplify/api';
import { signIn, signOut } from 'aws-amplify/auth';

import { configureAmplify, signUpUser } from './support/stack.mjs';

configureAmplify();
const client = generateClient();

const FOLLOW = `mutation Follow($username: String!) {
  follow(username: $username) { username followerCount viewerIsFollowing }
}`;
const UNFOLLOW = `mutation Unfollow($username: String!) {
  unfollow(username: $username) { username followerCount viewerIsFollowing }
}`;
const CHANNEL = `query Channel($username: String!) {
  channel(username: $username) { id username isLive followerCount viewerIsFollowing }
}`;

let newcomer;

before(async () => {
  // A user of the suite's own, so following and unfollowing leave the demo data alone.
  newcomer = await signUpUser();
  await signIn({ username: newcomer.username, password: newcomer.password });
});

test('a signed-in user reads their own account in the default (userPool) mode', async () => {
  // GIVEN a user who just signed up (PostConfirmation provisioned their channel)
  // WHEN they ask for `me` without naming an auth mode
  const { data } = await client.graphql({ query: '{ me { username channel { username isLive followerCount } } }' });

  // THEN they get their own account and channel
  assert.deepEqual(data.me, {
    username: newcomer.username,
    channel: { username: newcomer.username, isLive: false, followerCount: 0 },
  });
});

test('a signed-in user follows and unfollows a channel with mutations', async () => {
  // GIVEN bob's channel as the newcomer sees it
  const { data: seen } = await client.graphql({ query: CHANNEL, variables: { username: 'bob' } });
  assert.equal(seen.channel.viewerIsFollowing, false);
  const count = seen.channel.followerCount;

  // WHEN they follow bob
  const { data: followed } = await client.graphql({ query: FOLLOW, variables: { username: 'bob' } });

  // THEN the channel counts them, and bob is in their list
  assert.deepEqual(followed.follow, { username: 'bob', followerCount: count + 1, viewerIsFollowing: true });
  const { data: following } = await client.graphql({ query: '{ following { items { username } } }' });
  assert.deepEqual(following.following.items, [{ username: 'bob' }]);

  // AND WHEN they unfollow him THEN both go back
  const { data: unfollowed } = await client.graphql({ query: UNFOLLOW, variables: { username: 'bob' } });
  assert.deepEqual(unfollowed.unfollow, { username: 'bob', followerCount: count, viewerIsFollowing: false });
  const { data: none } = await client.graphql({ query: '{ following { items { username } } }' });
  assert.deepEqual(none.following.items, []);
});

test('an anonymous viewer queries channels and gets a view-only chat token in apiKey mode', async () => {
  // GIVEN nobody signed in
  await signOut();

  // WHEN the viewer reads the directory and bob's channel, and asks for a chat token, with the API key
  const { data: live } = await client.graphql({
    query: '{ liveChannels { items { username } } }',
    authMode: 'apiKey',
  });
  const { data: page } = await client.graphql({ query: CHANNEL, variables: { username: 'bob' }, authMode: 'apiKey' });
  const { data: chat } = await client.graphql({
    query: 'mutation Chat($channelId: ID!) { createChatToken(channelId: $channelId) { token capabilities } }',
    variables: { channelId: page.channel.id },
    authMode: 'apiKey',
  });

  // THEN the demo streams are live, the channel page has no viewer-specific answer, and chat is view-only
  const names = live.liveChannels.items.map((channel) => channel.username);
  assert.ok(names.includes('bob') && names.includes('carol'), `live: ${names}`);
  assert.equal(page.channel.isLive, true);
  assert.equal(page.channel.viewerIsFollowing, null);
  assert.ok(chat.createChatToken.token);
  assert.deepEqual(chat.createChatToken.capabilities, ['VIEW_MESSAGE']);
});

test('apiKey mode is refused what only signed-in users may do, with AppSync Unauthorized errors', async () => {
  // GIVEN nobody signed in
  await signOut();

  // WHEN the API key asks for `me`, and tries to follow
  // THEN Amplify rejects with the GraphQL result: the field null and an Unauthorized error naming it
  await assert.rejects(client.graphql({ query: '{ me { username } }', authMode: 'apiKey' }), (result) => {
    assert.deepEqual(result.data, { me: null });
    assert.equal(result.errors[0].errorType, 'Unauthorized');
    assert.equal(result.errors[0].message, 'Not Authorized to access me on type Query');
    return true;
  });
  await assert.rejects(client.graphql({ query: FOLLOW, variables: { username: 'bob' }, authMode: 'apiKey' }), (result) => {
    assert.equal(result.errors[0].errorType, 'Unauthorized');
    assert.equal(result.errors[0].message, 'Not Authorized to access follow on type Mutation');
    return true;
  });
});

// Amplify Auth (aws-amplify/auth) against the local Cognito, configured from amplify_outputs.json.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/api';
import { Hub } from 'aws-amplify/utils';

import {
  DEMO_PASSWORD,
  MemoryStorage,
  configureAmplify,
  signUpUser,
  useDevice,
} from './support/stack.mjs';

configureAmplify();

// The other flow Amplify offers, still refused as Cognito refuses it.
const PASSWORD_FLOW = { authFlowType: 'USER_PASSWORD_AUTH' };

beforeEach(() => {
  useDevice(new MemoryStorage());
});

async function signedInUsername() {
  const { tokens } = await fetchAuthSession();
  return tokens?.idToken?.payload['cognito:username'];
}

test('the default sign-in (USER_SRP_AUTH) signs a demo user in', async () => {
  // GIVEN a demo user WHEN they sign in the way Amplify does by default
  const result = await signIn({ username: 'alice', password: DEMO_PASSWORD });

  // THEN they are signed in, and the session's ID token names them
  assert.equal(result.isSignedIn, true);
  assert.equal(await signedInUsername(), 'alice');
});

test('the default sign-in refuses a wrong password as Cognito does', async () => {
  // GIVEN a demo user WHEN they sign in with a wrong password
  // THEN Amplify rejects with Cognito's error, and nobody is signed in
  await assert.rejects(signIn({ username: 'alice', password: 'Wr0ng-password!' }), {
    name: 'NotAuthorizedException',
    message: 'Incorrect username or password.',
  });
  assert.equal(await signedInUsername(), undefined);
});

test('the password flow refuses a wrong password as Cognito does', async () => {
  // GIVEN a demo user WHEN they sign in with a wrong password through USER_PASSWORD_AUTH
  // THEN Amplify rejects with Cognito's error, and nobody is signed in
  await assert.rejects(signIn({ username: 'bob', password: 'Wr0ng-password!', options: PASSWORD_FLOW }), {
    name: 'NotAuthorizedException',
    message: 'Incorrect username or password.',
  });
  assert.equal(await signedInUsername(), undefined);
});

test('a new user signs up, confirms with the e-mailed code and signs in', async () => {
  // GIVEN a user who signed up with Amplify and confirmed with the code the local outbox caught
  const { username, password } = await signUpUser();

  // WHEN they sign in
  const result = await signIn({ username, password });

  // THEN they are signed in as themselves
  assert.equal(result.isSignedIn, true);
  assert.equal(await signedInUsername(), username);
  await signOut();
});

test('a forced refresh returns new tokens for the same user, which the API accepts', async () => {
  // GIVEN a signed-in demo user
  await signIn({ username: 'carol', password: DEMO_PASSWORD });
  const before = (await fetchAuthSession()).tokens;
  await new Promise((resolve) => setTimeout(resolve, 1100)); // a new `iat` second, so the token differs

  // WHEN the app forces a refresh
  const after = (await fetchAuthSession({ forceRefresh: true })).tokens;

  // THEN the ID token is new, issued later, for the same user, and the API takes it
  assert.notEqual(after.idToken.toString(), before.idToken.toString());
  assert.ok(after.idToken.payload.iat > before.idToken.payload.iat);
  assert.equal(after.idToken.payload.sub, before.idToken.payload.sub);
  const { data } = await generateClient().graphql({ query: '{ me { username } }' });
  assert.equal(data.me.username, 'carol');
  await signOut();
});

test('after a global sign-out, the session on another device can no longer refresh', async () => {
  // GIVEN dave signed in on two devices, and the first one refreshes fine
  const laptop = useDevice(new MemoryStorage());
  await signIn({ username: 'dave', password: DEMO_PASSWORD });
  assert.ok((await fetchAuthSession({ forceRefresh: true })).tokens);
  useDevice(new MemoryStorage());
  await signIn({ username: 'dave', password: DEMO_PASSWORD });

  // WHEN dave signs out everywhere from the second device
  await signOut({ global: true });

  // THEN the first device's refresh is refused by Cognito and it ends up signed out
  useDevice(laptop);
  const failures = [];
  const stop = Hub.listen('auth', ({ payload }) => {
    if (payload.event === 'tokenRefresh_failure') failures.push(payload.data.error);
  });
  try {
    const { tokens } = await fetchAuthSession({ forceRefresh: true });
    assert.equal(tokens, undefined);
  } finally {
    stop();
  }
  assert.equal(failures.length, 1);
  assert.equal(failures[0].name, 'NotAuthorizedException');
  assert.equal(failures[0].message, 'Refresh Token has been revoked');
});

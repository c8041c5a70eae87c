// What every test file needs from the local stack the pytest driver started (tests/js/test_js_clients.py):
// the amplify_outputs.json it wrote, the demo users, the Amplify set-up a frontend uses, and e-mailed codes.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

import { Amplify } from 'aws-amplify';
import { confirmSignUp, signIn, signOut, signUp } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this suite through pytest (tests/js/test_js_clients.py) or set it`);
  }
  return value;
}

export const outputs = JSON.parse(readFileSync(required('UGC_OUTPUTS'), 'utf8'));
// emulator/seed.py holds these; the driver passes them on so they are written once.
export const DEMO_PASSWORD = required('UGC_DEMO_PASSWORD');
export const DEMO_USERS = required('UGC_DEMO_USERS').split(',');
export const PASSWORD = 'Js-Suite-Passw0rd!';

// Node 22+ has a WHATWG WebSocket, as browsers do; on Node 20 Amplify and graphql-ws get `ws`'s, which
// implements the same interface.
if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = (await import('ws')).WebSocket;
}

/** Tokens kept in memory, one store per simulated browser (`useDevice`); Node has no localStorage. */
export class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  async setItem(key, value) {
    this.items.set(key, value);
  }
  async getItem(key) {
    return this.items.get(key) ?? null;
  }
  async removeItem(key) {
    this.items.delete(key);
  }
  async clear() {
    this.items.clear();
  }
}

/** The README's Amplify set-up: the outputs file, plus the local Cognito endpoint (a local-only fact). */
export function configureAmplify() {
  Amplify.configure(outputs);
  const config = Amplify.getConfig();
  const endpoint = outputs.custom?.ugc?.aws_endpoint_url;
  if (endpoint) {
    Amplify.configure({ ...config, Auth: { Cognito: { ...config.Auth.Cognito, userPoolEndpoint: endpoint } } });
  }
  useDevice(new MemoryStorage());
}

/** Switch Amplify to another browser's token store (Amplify keeps one signed-in user per store). */
export function useDevice(storage) {
  cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
  return storage;
}

export async function signInAs(username, password = DEMO_PASSWORD) {
  await signOut();
  const result = await signIn({ username, password });
  if (!result.isSignedIn) {
    throw new Error(`${username} did not sign in: ${JSON.stringify(result.nextStep)}`);
  }
}

/** A fresh name within the sign-up rules (4-20 of a-z 0-9 . _). */
export function newUsername(prefix = 'js') {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** The code the local Cognito would have e-mailed to `username` (the local outbox keeps it). */
export async function emailedCode(username) {
  const url = new URL('/_local/outbox', outputs.custom.ugc.aws_endpoint_url);
  url.searchParams.set('username', username);
  const mails = await (await fetch(url)).json();
  const withCode = mails.filter((mail) => mail.code);
  if (withCode.length === 0) {
    throw new Error(`no code was e-mailed to ${username}: ${JSON.stringify(mails)}`);
  }
  return withCode.at(-1).code;
}

/** Amplify's sign-up as a frontend runs it: signUp, then confirmSignUp with the e-mailed code. */
export async function signUpUser(username = newUsername(), password = PASSWORD) {
  const created = await signUp({ username, password, options: { userAttributes: { email: `${username}@example.com` } } });
  if (created.nextStep.signUpStep !== 'CONFIRM_SIGN_UP') {
    throw new Error(`unexpected sign-up step for ${username}: ${JSON.stringify(created.nextStep)}`);
  }
  const confirmed = await confirmSignUp({ username, confirmationCode: await emailedCode(username) });
  if (!confirmed.isSignUpComplete) {
    throw new Error(`sign-up of ${username} did not complete: ${JSON.stringify(confirmed.nextStep)}`);
  }
  return { username, password };
}

/**
 * The first value of a subscription that `accept` takes, or its error; rejects after `ms`.
 *
 * Neither protocol tells the client when the server has registered a subscription (graphql-ws has no
 * ack; Amplify's is internal), so `trigger`, when given, runs every `every` ms until a value arrives:
 * a trigger sent before the subscription was registered is simply missed, as it would be on AppSync.
 */
export function nextValue(subscribe, { accept = () => true, trigger, every = 1000, ms = 20000, what = 'an event' } = {}) {
  return new Promise((resolve, reject) => {
    let subscription;
    let done = false;
    let first;
    let repeat;
    const settle = (fn, value) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(first);
      clearInterval(repeat);
      queueMicrotask(() => subscription?.unsubscribe());
      fn(value);
    };
    const deadline = setTimeout(() => settle(reject, new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    subscription = subscribe({
      next: (value) => {
        if (accept(value)) settle(resolve, value);
      },
      error: (error) => settle(reject, error),
    });
    if (trigger && !done) {
      const fire = () => Promise.resolve(trigger()).catch((error) => settle(reject, error));
      first = setTimeout(fire, Math.min(every, 500));
      repeat = setInterval(fire, every);
    }
  });
}


// The README's Apollo set-up: HttpLink to data.url behind an auth link, GraphQLWsLink (graphql-ws) for
// subscriptions; the Cognito ID token (raw, no "Bearer") when signed in, else the API key.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { fetchAuthSession } from 'aws-amplify/auth';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';

import { outputs } from './stack.mjs';

/** The Amplify-signed-in user's ID token, or undefined when nobody is signed in. */
export async function amplifyIdToken() {
  const { tokens } = await fetchAuthSession();
  return tokens?.idToken?.toString();
}

export const anonymous = async () => undefined;

async function authHeaders(idToken) {
  const token = await idToken();
  return token ? { authorization: token } : { 'x-api-key': outputs.data.api_key };
}

/**
 * An Apollo client whose requests carry `idToken()`'s token, or the API key when it gives none, and
 * `close` for its WebSocket.
 */
export function createApolloClient({ idToken = amplifyIdToken } = {}) {
  const http = new SetContextLink(async ({ headers }) => ({ headers: { ...headers, ...(await authHeaders(idToken)) } })).concat(
    new HttpLink({ uri: outputs.data.url }),
  );
  // graphql-transport-ws on the GraphQL URL itself; the auth headers go in connection_init's payload.
  const ws = createClient({
    url: outputs.data.url.replace(/^http/, 'ws'),
    connectionParams: () => authHeaders(idToken),
  });
  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    http,
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), close: () => ws.dispose() };
}

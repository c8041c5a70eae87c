// Apollo Client on the API: queries and mutations over HTTP, subscriptions over graphql-ws on the same
// URL. Signed-in calls send the raw ID token in `authorization`; anonymous ones the API key.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';

import { idToken, outputs } from './amplify';

async function authHeaders(): Promise<Record<string, string>> {
  const token = await idToken();
  return token ? { authorization: token } : { 'x-api-key': outputs.data.api_key ?? '' };
}

export function createApolloClient(): { client: ApolloClient; close: () => void } {
  const http = new SetContextLink(async ({ headers }) => ({ headers: { ...headers, ...(await authHeaders()) } })).concat(
    new HttpLink({ uri: outputs.data.url }),
  );
  const ws = createClient({ url: outputs.data.url.replace(/^http/, 'ws'), connectionParams: authHeaders });
  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(ws),
    http,
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), close: () => void ws.dispose() };
}

// Frontend code over the types graphql-codegen generated from operations/*.graphql; codegen.test.mjs runs
// `tsc --noEmit --strict` over it. Each `@ts-expect-error` is a mistake the types must catch: if the types
// went loose (`any`, a scalar left `unknown`, a nullable field typed non-null), tsc fails on that line.
import { ApolloClient } from '@apollo/client';

import {
  ChannelPageDocument,
  FollowDocument,
  LiveChannelsDocument,
  MeDocument,
  OnStreamActionDocument,
  type ChannelType,
  type OnStreamActionSubscription,
} from './generated/graphql';

export async function channelHeadline(client: ApolloClient, username: string): Promise<string> {
  const { data } = await client.query({ query: ChannelPageDocument, variables: { username } });
  const channel = data?.channel;
  if (!channel) return `${username} does not exist`;
  // AWSDateTime arrives as an ISO string, and a channel that is offline has none.
  const since: string | null = channel.liveSince;
  // @ts-expect-error liveSince is null when the channel is offline
  const always: string = channel.liveSince;
  void always;
  // @ts-expect-error the operation did not select streamKey (and Channel has none)
  void channel.streamKey;
  // @ts-expect-error viewerIsFollowing is null for anonymous viewers
  const follows: boolean = channel.viewerIsFollowing;
  void follows;
  return channel.isLive && since ? `${channel.username} live since ${new Date(since).toISOString()}` : channel.username;
}

export async function wrongVariables(client: ApolloClient): Promise<void> {
  // @ts-expect-error the variable is `username`
  await client.query({ query: ChannelPageDocument, variables: { user: 'bob' } });
  // @ts-expect-error `username` is required
  await client.mutate({ mutation: FollowDocument, variables: {} });
  // @ts-expect-error limit is an Int
  await client.query({ query: LiveChannelsDocument, variables: { limit: '10' } });
}

export async function follow(client: ApolloClient, username: string): Promise<number | undefined> {
  const { data } = await client.mutate({ mutation: FollowDocument, variables: { username } });
  return data?.follow.followerCount;
}

export async function accountSummary(client: ApolloClient): Promise<string> {
  const { data } = await client.query({ query: MeDocument });
  const me = data?.me;
  if (!me) return 'signed out';
  const kind: ChannelType = me.channelType;
  // @ts-expect-error enums are their values' union: there is no channel type PREMIUM
  const premium: ChannelType = 'PREMIUM';
  void premium;
  const created: string = me.createdAt;
  return `${me.username} (${kind}, since ${created.slice(0, 10)}) has ${me.channel.followerCount} followers`;
}

type Payload = NonNullable<OnStreamActionSubscription['onStreamAction']>['payload'];

export function describeOverlay(payload: Payload): string {
  switch (payload.__typename) {
    case 'QuizAction':
      return `${payload.question} (${payload.answers.length} answers)`;
    case 'NoticeAction':
      return `${payload.title}: ${payload.message}`;
    default:
      // @ts-expect-error only the fragments selected are typed; a product's title was not asked for
      return payload.title;
  }
}

export function watchOverlays(client: ApolloClient, channelId: string, show: (text: string) => void): () => void {
  const subscription = client.subscribe({ query: OnStreamActionDocument, variables: { channelId } }).subscribe({
    next: ({ data }) => {
      const action = data?.onStreamAction;
      if (action?.isActive) show(describeOverlay(action.payload));
    },
  });
  return () => subscription.unsubscribe();
}

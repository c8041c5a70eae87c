// One channel: follow / unfollow (the mutations return the channel, so Apollo's cache updates the page)
// the overlay the streamer has on now, replaced as onStreamAction reports each change, and past broadcasts.
import { gql } from '@apollo/client';
import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useState } from 'react';

import { Recordings } from './Recordings';

// AmazonProductAction's price is aliased: it is String there and String! on ProductAction, and one
// selection set cannot take both types under one name.
const ACTION_FIELDS = `
  id
  type
  isActive
  expiresAt
  payload {
    __typename
    ... on NoticeAction { title message }
    ... on QuizAction { question answers }
    ... on ProductAction { title price }
    ... on AmazonProductAction { title listPrice: price }
    ... on CelebrationAction { duration }
  }
`;
const CHANNEL = gql`
  query Channel($username: String!) {
    channel(username: $username) {
      id
      username
      isLive
      followerCount
      viewerIsFollowing
      activeStreamAction { ${ACTION_FIELDS} }
    }
  }
`;
const FOLLOW = gql`
  mutation Follow($username: String!) {
    follow(username: $username) { id followerCount viewerIsFollowing }
  }
`;
const UNFOLLOW = gql`
  mutation Unfollow($username: String!) {
    unfollow(username: $username) { id followerCount viewerIsFollowing }
  }
`;
const ON_STREAM_ACTION = gql`
  subscription OnStreamAction($channelId: ID!) {
    onStreamAction(channelId: $channelId) { ${ACTION_FIELDS} }
  }
`;

type Payload =
  | { __typename: 'NoticeAction'; title: string; message: string }
  | { __typename: 'QuizAction'; question: string; answers: string[] }
  | { __typename: 'ProductAction'; title: string; price: string }
  | { __typename: 'AmazonProductAction'; title: string; listPrice: string | null }
  | { __typename: 'CelebrationAction'; duration: number };
type Action = { id: string; type: string; isActive: boolean; expiresAt: string | null; payload: Payload };
type ChannelData = {
  channel: {
    id: string;
    username: string;
    isLive: boolean;
    followerCount: number;
    viewerIsFollowing: boolean | null;
    activeStreamAction: Action | null;
  } | null;
};

function describe(payload: Payload): string {
  switch (payload.__typename) {
    case 'NoticeAction':
      return `${payload.title}: ${payload.message}`;
    case 'QuizAction':
      return `${payload.question} (${payload.answers.join(' / ')})`;
    case 'ProductAction':
      return `${payload.title} ${payload.price}`;
    case 'AmazonProductAction':
      return `${payload.title} ${payload.listPrice ?? ''}`.trim();
    case 'CelebrationAction':
      return '🎉';
  }
}

function Overlay({ action }: { action: Action }) {
  return (
    <aside id="overlay" data-type={action.type}>
      <strong>{action.type}</strong> {describe(action.payload)}
    </aside>
  );
}

const onNow = (action: Action | null | undefined): Action | null =>
  action?.isActive && !(action.expiresAt && Date.parse(action.expiresAt) <= Date.now()) ? action : null;

export function ChannelPage({ username, signedIn }: { username: string; signedIn: boolean }) {
  const { data, error } = useQuery<ChannelData>(CHANNEL, { variables: { username } });
  const channel = data?.channel;
  const [overlay, setOverlay] = useState<Action | null>(null);
  useEffect(() => setOverlay(onNow(channel?.activeStreamAction)), [channel?.activeStreamAction]);
  // Nothing is published when an overlay's time is up: the page takes it down itself at expiresAt.
  useEffect(() => {
    if (!overlay?.expiresAt) return;
    const timer = setTimeout(
      () => setOverlay((current) => (current === overlay ? null : current)),
      Date.parse(overlay.expiresAt) - Date.now(),
    );
    return () => clearTimeout(timer);
  }, [overlay]);
  useSubscription<{ onStreamAction: Action }>(ON_STREAM_ACTION, {
    variables: { channelId: channel?.id ?? '' },
    skip: !channel,
    onData: ({ data: next }) => {
      const action = next.data?.onStreamAction;
      if (action) setOverlay(onNow(action));
    },
  });
  const [follow, following] = useMutation(FOLLOW, { variables: { username } });
  const [unfollow, unfollowing] = useMutation(UNFOLLOW, { variables: { username } });
  if (error) return <p role="alert">{error.message}</p>;
  if (!data) return <p>Loading…</p>;
  if (!channel) return <p>No channel named {username}.</p>;
  const busy = following.loading || unfollowing.loading;
  return (
    <section id="channel" data-username={channel.username}>
      <h1>
        {channel.username} {channel.isLive ? <span id="live-badge">LIVE</span> : <span>offline</span>}
      </h1>
      <p>
        <span id="followers">{channel.followerCount}</span> followers{' '}
        {signedIn &&
          (channel.viewerIsFollowing ? (
            <button id="unfollow" disabled={busy} onClick={() => void unfollow()}>
              Unfollow
            </button>
          ) : (
            <button id="follow" disabled={busy} onClick={() => void follow()}>
              Follow
            </button>
          ))}
      </p>
      {overlay && <Overlay action={overlay} />}
      <Recordings username={channel.username} />
    </section>
  );
}

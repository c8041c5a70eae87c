// The live directory: liveChannels, fetched again whenever onChannelState says a channel went live or
// offline, so the list follows the streams without a reload. Each card shows the stream's latest thumbnail
// (stages that record).
import { gql } from '@apollo/client';
import { useQuery, useSubscription } from '@apollo/client/react';

const LIVE_CHANNELS = gql`
  query LiveChannels {
    liveChannels(limit: 50) {
      items {
        id
        username
        liveSince
        thumbnailUrl
      }
    }
  }
`;
const ON_CHANNEL_STATE = gql`
  subscription OnChannelState {
    onChannelState {
      channelId
      username
      isLive
    }
  }
`;

type LiveChannels = {
  liveChannels: {
    items: { id: string; username: string; liveSince: string | null; thumbnailUrl: string | null }[];
  };
};

export function Directory() {
  const { data, error, refetch } = useQuery<LiveChannels>(LIVE_CHANNELS, { fetchPolicy: 'network-only' });
  useSubscription(ON_CHANNEL_STATE, { onData: () => void refetch() });
  if (error) return <p role="alert">{error.message}</p>;
  const channels = data?.liveChannels.items ?? [];
  return (
    <section>
      <h1>Live now</h1>
      {channels.length === 0 && <p>Nobody is live.</p>}
      <ul id="live">
        {channels.map((channel) => (
          <li key={channel.id} data-username={channel.username}>
            {channel.thumbnailUrl && <img className="thumb" src={channel.thumbnailUrl} alt="" width={160} />}
            <a href={`#/${encodeURIComponent(channel.username)}`}>{channel.username}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

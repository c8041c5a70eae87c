// A channel's past broadcasts: Channel.recordings, each with its thumbnails and an hls.js player.
//
// Recording URLs are CloudFront signed URLs whose one signature (a policy over the recording's folder) is
// the query of playbackUrl. HLS resolves the files a playlist lists without that query, so the player adds
// it to every request (hls.js `xhrSetup`). A private channel's recordings are refused to anyone but its
// owner and its followers: the query fails with Forbidden, shown as such.
import { gql } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import Hls from 'hls.js';
import { useEffect, useRef, useState } from 'react';

const RECORDINGS = gql`
  query Recordings($username: String!) {
    channel(username: $username) {
      id
      recordings(limit: 10) {
        items {
          sessionId
          startedAt
          durationSeconds
          playbackUrl
          thumbnailUrls
        }
      }
    }
  }
`;

type Recording = {
  sessionId: string;
  startedAt: string | null;
  durationSeconds: number | null;
  playbackUrl: string | null;
  thumbnailUrls: string[];
};
type RecordingsData = { channel: { id: string; recordings: { items: Recording[] } | null } | null };

function Player({ recording }: { recording: Recording }) {
  const video = useRef<HTMLVideoElement>(null);
  // What the player got to: the test reads it; a page would show its own controls.
  const [state, setState] = useState('loading');
  useEffect(() => {
    if (!video.current || !recording.playbackUrl) return;
    const signed = new URL(recording.playbackUrl).search;
    const hls = new Hls({
      xhrSetup: (xhr, url) => {
        if (!url.includes('Signature=')) xhr.open('GET', url + signed, true);
      },
    });
    hls.on(Hls.Events.MANIFEST_PARSED, (_event, data) => setState(`manifest:${data.levels.length}`));
    hls.on(Hls.Events.FRAG_LOADED, () => setState('fragment'));
    hls.on(Hls.Events.ERROR, (_event, data) => {
      // Local recordings hold no picture (their segments are MPEG-TS padding), so demuxing them fails
      // after the download; only a failed download is this page's error.
      if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR) setState(`error:${data.details}`);
    });
    hls.loadSource(recording.playbackUrl);
    hls.attachMedia(video.current);
    return () => hls.destroy();
  }, [recording.playbackUrl]);
  return (
    <div className="player" data-state={state}>
      <video ref={video} controls muted width={320} />
    </div>
  );
}

export function Recordings({ username }: { username: string }) {
  const { data, error } = useQuery<RecordingsData>(RECORDINGS, { variables: { username }, errorPolicy: 'all' });
  const [playing, setPlaying] = useState<string | null>(null);
  if (error) return <p id="recordings-refused">Past broadcasts: {error.message}</p>;
  const items = data?.channel?.recordings?.items ?? [];
  return (
    <section id="recordings">
      <h2>Past broadcasts</h2>
      {items.length === 0 && <p>None yet.</p>}
      <ul>
        {items.map((recording) => (
          <li key={recording.sessionId} data-session={recording.sessionId}>
            {recording.thumbnailUrls[0] && <img className="thumb" src={recording.thumbnailUrls[0]} alt="" width={160} />}
            <span>
              {recording.startedAt} · {recording.durationSeconds ?? '?'} s
            </span>{' '}
            <button className="play" onClick={() => setPlaying(recording.sessionId)}>
              Play
            </button>
            {playing === recording.sessionId && <Player recording={recording} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

// Who is signed in decides the Apollo client (its WebSocket authenticates once, when it connects), and
// the URL's hash the screen: #/ the live directory, #/<username> a channel page.
import { ApolloProvider } from '@apollo/client/react';
import { getCurrentUser, signOut } from 'aws-amplify/auth';
import { useEffect, useMemo, useState } from 'react';

import { createApolloClient } from './apollo';
import { ChannelPage } from './ChannelPage';
import { Directory } from './Directory';
import { SignIn } from './SignIn';

function useHashRoute(): string {
  const [route, setRoute] = useState(() => decodeURIComponent(location.hash.replace(/^#\/?/, '')));
  useEffect(() => {
    const onChange = () => setRoute(decodeURIComponent(location.hash.replace(/^#\/?/, '')));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function App() {
  const [user, setUser] = useState<string | null | undefined>(undefined);
  const route = useHashRoute();
  useEffect(() => {
    getCurrentUser().then(
      (current) => setUser(current.username),
      () => setUser(null),
    );
  }, []);
  const apollo = useMemo(() => (user === undefined ? null : createApolloClient()), [user]);
  useEffect(() => () => apollo?.close(), [apollo]);
  if (!apollo) return <p>Loading…</p>;
  return (
    <ApolloProvider client={apollo.client}>
      <header>
        <a href="#/">Live now</a>{' '}
        {user ? (
          <span id="who">
            signed in as <b>{user}</b>{' '}
            <button id="sign-out" onClick={() => signOut().then(() => setUser(null))}>
              Sign out
            </button>
          </span>
        ) : (
          <SignIn onSignedIn={setUser} />
        )}
      </header>
      <main>{route ? <ChannelPage username={route} signedIn={!!user} /> : <Directory />}</main>
    </ApolloProvider>
  );
}

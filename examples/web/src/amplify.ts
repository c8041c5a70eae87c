// Amplify Auth only: sign-in with Amplify's default flow (SRP), tokens kept and refreshed by Amplify.
import outputs from 'amplify-outputs';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession } from 'aws-amplify/auth';

Amplify.configure(outputs);
// The local stack's Cognito is not at AWS's endpoint: its outputs name where it is.
const endpoint = outputs.custom?.ugc?.aws_endpoint_url;
if (endpoint) {
  Amplify.configure({
    ...Amplify.getConfig(),
    Auth: {
      Cognito: {
        userPoolId: outputs.auth.user_pool_id,
        userPoolClientId: outputs.auth.user_pool_client_id,
        userPoolEndpoint: endpoint,
      },
    },
  });
}

/** The signed-in user's Cognito ID token, or undefined for an anonymous viewer. */
export async function idToken(): Promise<string | undefined> {
  const { tokens } = await fetchAuthSession();
  return tokens?.idToken?.toString();
}

export { outputs };

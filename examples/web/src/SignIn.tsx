import { getCurrentUser, signIn } from 'aws-amplify/auth';
import { type FormEvent, useState } from 'react';

export function SignIn({ onSignedIn }: { onSignedIn: (username: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      // Amplify's default flow: SRP, the password is proven, never sent.
      const result = await signIn({ username: String(form.get('username')), password: String(form.get('password')) });
      if (!result.isSignedIn) throw new Error(`sign-in needs another step: ${result.nextStep.signInStep}`);
      onSignedIn((await getCurrentUser()).username);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  }
  return (
    <form id="sign-in" onSubmit={submit}>
      <input name="username" placeholder="username" autoComplete="username" required />
      <input name="password" type="password" placeholder="password" autoComplete="current-password" required />
      <button type="submit">Sign in</button>
      {error && (
        <span id="sign-in-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { post, setCsrfToken } from '../api';
import { ErrorBox } from '../components';

export function LoginPage(props: { onLogin: () => void }): JSX.Element {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { csrfToken } = await post<{ csrfToken: string }>('/api/login', { password });
      setCsrfToken(csrfToken);
      props.onLogin();
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>Yamori</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
          required
        />
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
      {error && <ErrorBox error={error} />}
      <p class="muted">
        The first start of <code>yamori web</code> printed a one-time password;{' '}
        <code>yamori web password</code> sets a new one.
      </p>
    </main>
  );
}

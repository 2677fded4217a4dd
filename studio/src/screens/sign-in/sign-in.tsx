import { useState, type FormEvent } from 'react';
import { useSession } from '../../api/session';
import { ErrorAlert, Field } from '../../components/form';
import { useTitle } from '../../components/title';

/** The admin token is sent once, in the body, and exchanged for an HttpOnly session cookie; it is kept nowhere. */
export function SignIn() {
  useTitle('Sign in');
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Homing Studio</h1>
      <form onSubmit={submit} noValidate>
        <Field label="Admin token" hint="HOMING_ADMIN_TOKEN, printed in the banner of homing start" required>
          {(props) => <input {...props} type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} />}
        </Field>
        {error && <ErrorAlert>Sign-in refused: {error}</ErrorAlert>}
        <button type="submit" disabled={busy || token === ''}>
          Sign in
        </button>
      </form>
    </main>
  );
}

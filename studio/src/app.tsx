import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSession } from './api/session';
import { ErrorAlert } from './components/form';
import { Link, navigate, useLocation } from './router';
import { SignIn } from './screens/sign-in/sign-in';
import { Connect } from './screens/connect/connect';
import { EventLog } from './screens/events/event-log';
import { NewMapping } from './screens/mappings/new-mapping';

/** The screens a signed-in user reaches from the nav; later slices add theirs here. */
const NAV = [
  { to: '/connect', label: 'Connect Segment' },
  { to: '/events', label: 'Event log' },
];

function screenFor(path: string): ReactNode {
  switch (path) {
    case '/connect':
      return <Connect />;
    case '/events':
      return <EventLog />;
    case '/mappings/new':
      return <NewMapping />;
    default:
      return <NotFound />;
  }
}

export function App() {
  const { state } = useSession();
  const { path } = useLocation();

  useEffect(() => {
    if (state === 'signed-out' && path !== '/sign-in') navigate('/sign-in', { replace: true });
    if (state === 'signed-in' && (path === '/sign-in' || path === '/')) navigate('/connect', { replace: true });
  }, [state, path]);

  // After an in-app navigation, focus goes to the new screen (as a page load would), so keyboard and screen reader users start there.
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(path);
  useEffect(() => {
    if (path !== firstPath.current) main.current?.focus();
    firstPath.current = '';
  }, [path]);

  if (state === 'checking') return <p className="loading">Loading…</p>;
  if (state === 'signed-out') return <SignIn />;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Nav path={path} />
      <main id="main" tabIndex={-1} ref={main}>
        {screenFor(path)}
      </main>
    </>
  );
}

function Nav({ path }: { path: string }) {
  const { signOut } = useSession();
  const [failed, setFailed] = useState(false);
  return (
    <header className="topbar">
      <span className="brand">Homing Studio</span>
      <nav aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={path === item.to ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <button type="button" className="secondary" onClick={() => signOut().catch(() => setFailed(true))}>
        Sign out
      </button>
      {failed && <ErrorAlert>Sign-out failed: try again.</ErrorAlert>}
    </header>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link to="/connect">Go to Connect Segment</Link>
      </p>
    </>
  );
}

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSession } from './api/session';
import { ErrorAlert } from './components/form';
import { Link, navigate, useLocation } from './router';
import { SignIn } from './screens/sign-in/sign-in';
import { Connect } from './screens/connect/connect';
import { EventLog } from './screens/events/event-log';
import { mappingScreen } from './screens/mappings/mapping-screens';
import { Overview } from './screens/overview/overview';
import { landingPath } from './screens/overview/landing';
import { Settings } from './screens/settings/settings';
import { RunList } from './screens/runs/run-list';
import { RunDetail } from './screens/runs/run-detail';
import { Mailbox } from './screens/mailbox/mailbox';
import { ProfileSearch } from './screens/profiles/profile-search';
import { ProfileDetail } from './screens/profiles/profile-detail';
import { TemplateList } from './screens/templates/template-list';
import { TemplateEditor } from './screens/templates/template-editor';

/** The screens a signed-in user reaches from the nav; later slices add theirs here. */
const NAV = [
  { to: '/overview', label: 'Overview' },
  { to: '/connect', label: 'Connect Segment' },
  { to: '/events', label: 'Event log' },
  { to: '/mappings', label: 'Mappings' },
  { to: '/templates', label: 'Templates' },
  { to: '/runs', label: 'Runs' },
  { to: '/mailbox', label: 'Mailbox' },
  { to: '/profiles', label: 'Profiles' },
  { to: '/settings', label: 'Settings' },
];

function screenFor(path: string): ReactNode {
  switch (path) {
    case '/connect':
      return <Connect />;
    case '/events':
      return <EventLog />;
    case '/overview':
      return <Overview />;
    case '/settings':
      return <Settings />;
    case '/runs':
      return <RunList />;
    case '/mailbox':
      return <Mailbox />;
    case '/profiles':
      return <ProfileSearch />;
    case '/templates':
      return <TemplateList />;
    default:
      return mappingScreen(path) ?? detailScreen(path) ?? <NotFound />;
  }
}

/** Screens of one thing, its id the last path segment (keyed by it, so another id starts afresh). */
function detailScreen(path: string): ReactNode | undefined {
  const [, section, id, ...rest] = path.split('/');
  if (!id || rest.length) return undefined;
  const key = decodeURIComponent(id);
  if (section === 'runs') return <RunDetail key={key} id={key} />;
  if (section === 'profiles') return <ProfileDetail key={key} id={key} />;
  if (section === 'templates') return <TemplateEditor key={key} id={key} />;
  return undefined;
}

/** Paths that lead on to the landing screen once signed in. */
const landing = (path: string) => path === '/' || path === '/sign-in';

export function App() {
  const { state } = useSession();
  const { path } = useLocation();

  useEffect(() => {
    if (state === 'signed-out' && path !== '/sign-in') navigate('/sign-in', { replace: true });
    if (state !== 'signed-in' || !landing(path)) return;
    // The Overview, or Connect Segment before the first event; a navigation meanwhile wins.
    let current = true;
    const land = (to: string) => current && navigate(to, { replace: true });
    landingPath().then(land, () => land('/overview'));
    return () => {
      current = false;
    };
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
        {landing(path) ? <p className="loading">Loading…</p> : screenFor(path)}
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

/**
 * The Yamori dashboard in the browser: one page app over the JSON API, bundled by esbuild
 * (`npm run build:web`). No inline scripts or styles, so the server's CSP can forbid both.
 */
import type { JSX } from 'preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, get, post, setCsrfToken, whenUnauthenticated } from './api';
import { ErrorBox, Link } from './components';
import { AlertPage } from './pages/alert';
import { AlertsPage } from './pages/alerts';
import { DevicePage, DevicesPage } from './pages/devices';
import { FeedsPage } from './pages/feeds';
import { FlowsPage } from './pages/flows';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { RulesPage } from './pages/rules';
import { navigate, useLocation } from './router';
import './style.css';

type SessionState = 'checking' | 'in' | 'out';

const NAV = [
  ['/', 'Overview'],
  ['/alerts', 'Alerts'],
  ['/devices', 'Devices'],
  ['/flows', 'Flows'],
  ['/feeds', 'Feeds'],
  ['/rules', 'Rules'],
] as const;

function App(): JSX.Element {
  const { path, query } = useLocation();
  const [session, setSession] = useState<SessionState>('checking');
  const [failure, setFailure] = useState<Error | null>(null);

  useEffect(() => {
    whenUnauthenticated(() => setSession('out'));
    get<{ csrfToken: string | null }>('/api/session').then(
      (info) => {
        setCsrfToken(info.csrfToken);
        setSession('in');
      },
      (error: unknown) => {
        if (error instanceof ApiFailure && error.status === 401) setSession('out');
        else setFailure(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }, []);

  useEffect(() => {
    if (session === 'out' && path !== '/login')
      navigate(`/login?next=${encodeURIComponent(path + location.search)}`);
  }, [session, path]);

  if (failure) return <ErrorBox error={failure} />;
  if (session === 'checking') return <p class="muted">Loading…</p>;
  if (session === 'out' || path === '/login') {
    return (
      <LoginPage
        onLogin={() => {
          setSession('in');
          const next = query.get('next');
          navigate(next !== null && next.startsWith('/') && !next.startsWith('//') ? next : '/');
        }}
      />
    );
  }

  const logout = async (): Promise<void> => {
    await post('/api/logout').catch(() => undefined);
    setCsrfToken(null);
    setSession('out');
  };
  const section = '/' + (path.split('/')[1] ?? '');

  return (
    <>
      <header>
        <Link href="/" class="brand">
          Yamori
        </Link>
        <nav>
          {NAV.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              class={section === href || (href === '/' && path === '/overview') ? 'active' : ''}
            >
              {label}
            </Link>
          ))}
        </nav>
        <button type="button" class="link" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <main>{page(path, query)}</main>
    </>
  );
}

function page(path: string, query: URLSearchParams): JSX.Element {
  const [, first, second] = path.split('/');
  const id = second === undefined ? undefined : decodeURIComponent(second);
  switch (first) {
    case '':
    case 'overview':
      return <OverviewPage query={query} />;
    case 'devices':
      return id === undefined ? <DevicesPage /> : <DevicePage mac={id} />;
    case 'flows':
      return <FlowsPage query={query} />;
    case 'alerts':
      return id === undefined ? <AlertsPage query={query} /> : <AlertPage id={id} />;
    case 'feeds':
      return <FeedsPage />;
    case 'rules':
      return <RulesPage />;
    default:
      return <h1>Not found</h1>;
  }
}

render(<App />, document.getElementById('app')!);

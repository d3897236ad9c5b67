import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure } from './api';
import { navigate } from './router';

/** A link that changes page in place; a modified click (new tab) is left to the browser. */
export function Link(props: { href: string; children: ComponentChildren; class?: string }): JSX.Element {
  const onClick = (event: MouseEvent): void => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} onClick={onClick}>
      {props.children}
    </a>
  );
}

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ok'; data: T };

/** Loads `load()` again whenever `key` changes; `reload` fetches again in place. */
export function useLoad<T>(load: () => Promise<T>, key: string): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setLoaded({ state: 'ok', data }),
      (error: unknown) =>
        live &&
        setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  return [loaded, () => setRound((n) => n + 1)];
}

export function Show<T>(props: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }): JSX.Element {
  if (props.loaded.state === 'loading') return <p class="muted">Loading…</p>;
  if (props.loaded.state === 'error') return <ErrorBox error={props.loaded.error} />;
  return <>{props.children(props.loaded.data)}</>;
}

export function ErrorBox(props: { error: Error }): JSX.Element {
  const hint = props.error instanceof ApiFailure ? props.error.error.hint : '';
  return (
    <div class="error" role="alert">
      <strong>{props.error.message}</strong>
      {hint && <div>{hint}</div>}
    </div>
  );
}

export function Severity(props: { severity: string }): JSX.Element {
  return <span class={`badge sev-${props.severity}`}>{props.severity}</span>;
}

export function Status(props: { status: string }): JSX.Element {
  return <span class={`badge status-${props.status}`}>{props.status}</span>;
}

/** A table that scrolls sideways on a narrow screen instead of squeezing its columns. */
export function Table(props: { head: string[]; children: ComponentChildren; empty?: boolean }): JSX.Element {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
      {props.empty && <p class="muted">Nothing here.</p>}
    </div>
  );
}

import { useState } from 'react';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/form';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { Link } from '../../router';
import { runTimeline, type TimelineEntry } from './timeline';
import { isOpen, runOutcome } from './types';

const POLL_MS = 2_000;

/** A run: its timeline (refreshed until it ends), its Temporal UI link, and Cancel. */
export function RunDetail({ id }: { id: string }) {
  useTitle(`Run ${id}`);
  const run = useQuery({
    queryKey: ['run', id],
    queryFn: async () => unwrap(await api.GET('/api/runs/{id}', { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data && !isOpen(q.state.data) ? false : POLL_MS),
  });
  const open = run.data ? isOpen(run.data) : false;
  // Each message's own timeline: status changes, engagement, holds.
  const messages = useQueries({
    queries: (run.data?.messages ?? []).map((m) => ({
      queryKey: ['message', m.id],
      queryFn: async () => unwrap(await api.GET('/api/messages/{id}', { params: { path: { id: m.id } } })),
      refetchInterval: open ? POLL_MS : (false as const),
    })),
  });
  const details = messages.flatMap((q) => (q.data ? [q.data] : []));
  const messageError = messages.find((q) => q.error)?.error;

  if (run.error) {
    return (
      <>
        <h1>Run</h1>
        <ErrorAlert>{run.error.message}</ErrorAlert>
        <p>
          <Link to="/runs">All runs</Link>
        </p>
      </>
    );
  }
  if (!run.data) return <p className="loading">Loading…</p>;
  const r = run.data;
  return (
    <>
      <p>
        <Link to="/runs">All runs</Link>
      </p>
      <h1>Run {r.id}</h1>
      <dl className="settings">
        <dt>Status</dt>
        <dd>
          <span className={`status run-${r.status}`}>{runOutcome(r)}</span>
        </dd>
        <dt>User</dt>
        <dd>
          <Link to={`/profiles/${encodeURIComponent(r.userId)}`}>{r.userId}</Link>
        </dd>
        <dt>Mapping</dt>
        <dd>
          {r.mapping.id} v{r.mapping.version} ({r.automation})
        </dd>
        <dt>Temporal</dt>
        <dd>{r.temporalUiUrl ? <a href={r.temporalUiUrl}>Open this run in the Temporal UI</a> : 'No Temporal UI address is configured.'}</dd>
      </dl>
      {open && !r.cancelRequestedAt && <CancelRun id={r.id} />}
      {open && r.cancelRequestedAt && <p role="status">Cancel requested: the run is closing.</p>}
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        {messageError && <ErrorAlert>Messages: {messageError.message}</ErrorAlert>}
        <Timeline entries={runTimeline(r, details)} />
      </section>
    </>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <ol className="timeline" aria-label="Run timeline">
      {entries.map((e, i) => (
        <li key={i} className={`timeline-${e.kind}`}>
          <span className="timeline-time">
            <Time iso={e.at} />
            {e.kind === 'wait' && (
              <>
                {' → '}
                {e.until ? <Time iso={e.until} /> : 'now'}
              </>
            )}
          </span>
          <strong>{e.title}</strong>
          {e.detail && <span className="note">{e.detail}</span>}
        </li>
      ))}
    </ol>
  );
}

/** Cancel asks first: the run sends nothing more, and that cannot be undone. */
function CancelRun({ id }: { id: string }) {
  const [confirming, setConfirming] = useState(false);
  const queries = useQueryClient();
  const cancel = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/runs/{id}/cancel', { params: { path: { id } } })),
    onSuccess: (run) => {
      setConfirming(false);
      queries.setQueryData(['run', id], (was: object | undefined) => (was ? { ...was, ...run } : was));
      return queries.invalidateQueries({ queryKey: ['run', id] });
    },
  });
  if (!confirming) {
    return (
      <p>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Cancel run
        </button>
      </p>
    );
  }
  return (
    <div className="confirm" role="group" aria-labelledby="confirm-cancel">
      <p id="confirm-cancel">Cancel this run? It sends nothing more; messages not sent yet are canceled. This cannot be undone.</p>
      <div className="buttons">
        {/* Focus moves to the question's answer, so keyboard and screen reader users land on it. */}
        <button type="button" className="danger" autoFocus disabled={cancel.isPending} onClick={() => cancel.mutate()}>
          Yes, cancel the run
        </button>
        <button type="button" className="secondary" onClick={() => setConfirming(false)}>
          Keep it running
        </button>
      </div>
      {cancel.error && <ErrorAlert>{cancel.error.message}</ErrorAlert>}
    </div>
  );
}

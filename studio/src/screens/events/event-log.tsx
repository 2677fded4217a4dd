import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert, Field } from '../../components/form';
import { useTitle } from '../../components/title';
import { useSettled } from '../../components/use-settled';
import { EventTable } from './event-table';

const STATUSES = ['accepted', 'mapped', 'unmapped', 'duplicate', 'invalid', 'canceled-run'] as const;
const TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias', 'unknown'] as const;
const PAGE = 100;
const POLL_MS = 2_000;

type Status = (typeof STATUSES)[number];

export function EventLog() {
  useTitle('Event log');
  const [status, setStatus] = useState<Status | ''>('');
  const [type, setType] = useState('');
  const [user, setUser] = useState('');
  const [name, setName] = useState('');
  // Text filters apply once typing pauses, so each keystroke is not a query.
  const userId = useSettled(user.trim(), 300);
  const event = useSettled(name.trim(), 300);

  // Older pages stay still; the newest page refreshes itself. A new filter starts again from the newest.
  const filters = { ...(status && { status }), ...(type && { type }), ...(userId && { userId }), ...(event && { event }) };
  const filterKey = JSON.stringify(filters);
  const [page, setPage] = useState<{ filterKey: string; cursor: string }>();
  const cursor = page?.filterKey === filterKey ? page.cursor : undefined;
  const setCursor = (next: string | undefined) => setPage(next ? { filterKey, cursor: next } : undefined);

  const query = { limit: PAGE, ...filters, ...(cursor && { cursor }) };
  const events = useQuery({
    queryKey: ['events', query],
    // The page says which cursor it is of: while the next page loads, the previous one (and its caption) stays shown.
    queryFn: async () => ({ ...unwrap(await api.GET('/api/events', { params: { query } })), cursor }),
    refetchInterval: cursor ? false : POLL_MS,
    placeholderData: keepPreviousData,
  });
  const nextCursor = events.data?.nextCursor;

  return (
    <>
      <h1>Event log</h1>
      <form className="filters" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          {(props) => (
            <select {...props} value={status} onChange={(e) => setStatus(e.target.value as Status | '')}>
              <option value="">Any status</option>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Type">
          {(props) => (
            <select {...props} value={type} onChange={(e) => setType(e.target.value)}>
              <option value="">Any type</option>
              {TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="User">
          {(props) => <input {...props} type="search" placeholder="userId or anonymousId" value={user} onChange={(e) => setUser(e.target.value)} />}
        </Field>
        <Field label="Event name">
          {(props) => <input {...props} type="search" placeholder="e.g. Trial Started" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
      </form>
      {events.error && <ErrorAlert>{events.error.message}</ErrorAlert>}
      {events.data &&
        (events.data.events.length === 0 ? (
          <p>No events match.</p>
        ) : (
          <EventTable events={events.data.events} caption={events.data.cursor ? 'Older events, newest first' : 'Newest first, refreshed every few seconds'} />
        ))}
      <div className="buttons pager">
        {cursor && (
          <button type="button" className="secondary" onClick={() => setCursor(undefined)}>
            Newest events
          </button>
        )}
        {nextCursor && (
          <button type="button" className="secondary" onClick={() => setCursor(nextCursor)}>
            Older events
          </button>
        )}
      </div>
    </>
  );
}

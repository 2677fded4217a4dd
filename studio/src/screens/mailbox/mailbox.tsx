import { useEffect, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { paths } from '../../../generated/api';
import { api, unwrap } from '../../api/client';
import { ErrorAlert, Field } from '../../components/form';
import { Time } from '../../components/time';
import { useTitle } from '../../components/title';
import { EmailFrame } from './email-frame';

type Stored = paths['/api/mailbox']['get']['responses'][200]['content']['application/json']['messages'][number];
const CHANNELS = ['email', 'sms'] as const;
const POLL_MS = 3_000;
/** Each email is a rendered frame: a page holds a few. */
const PAGE = 10;

/** What the mailbox providers stored instead of sending: emails rendered, SMS as text, newest first. */
export function Mailbox() {
  useTitle('Mailbox');
  const [channel, setChannel] = useState<(typeof CHANNELS)[number] | ''>('');
  const [to, setTo] = useState('');
  const [settledTo, setSettledTo] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setSettledTo(to.trim()), 300);
    return () => clearTimeout(t);
  }, [to]);

  // Older pages stay still; the newest refreshes itself. A new filter starts again from the newest.
  const filters = { ...(channel && { channel }), ...(settledTo && { to: settledTo }) };
  const filterKey = JSON.stringify(filters);
  const [page, setPage] = useState<{ filterKey: string; cursor: string }>();
  const cursor = page?.filterKey === filterKey ? page.cursor : undefined;
  const query = { limit: PAGE, ...filters, ...(cursor && { cursor }) };
  const mailbox = useQuery({
    queryKey: ['mailbox', query],
    queryFn: async () => unwrap(await api.GET('/api/mailbox', { params: { query } })),
    refetchInterval: cursor ? false : POLL_MS,
    placeholderData: keepPreviousData,
  });
  const nextCursor = mailbox.data?.nextCursor;

  return (
    <>
      <h1>Mailbox</h1>
      <p className="hint">With the mailbox providers (the default), nothing leaves this machine: each message is stored here as it would have been sent.</p>
      <form className="filters" role="search" aria-label="Filter the mailbox" onSubmit={(e) => e.preventDefault()}>
        <Field label="Channel">
          {(props) => (
            <select {...props} value={channel} onChange={(e) => setChannel(e.target.value as (typeof CHANNELS)[number] | '')}>
              <option value="">Any channel</option>
              {CHANNELS.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="To">
          {(props) => <input {...props} type="search" placeholder="an address or phone number" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
      </form>
      {mailbox.error && <ErrorAlert>{mailbox.error.message}</ErrorAlert>}
      {/* Busy while the previous filter's messages stand in for this one's. */}
      <div aria-busy={mailbox.isPlaceholderData}>
        {mailbox.data && (mailbox.data.messages.length === 0 ? <p>No messages stored.</p> : mailbox.data.messages.map((m) => <StoredMessage key={m.id} message={m} />))}
      </div>
      <div className="buttons pager">
        {cursor && (
          <button type="button" className="secondary" onClick={() => setPage(undefined)}>
            Newest messages
          </button>
        )}
        {nextCursor && (
          <button type="button" className="secondary" disabled={mailbox.isPlaceholderData} onClick={() => setPage({ filterKey, cursor: nextCursor })}>
            Older messages
          </button>
        )}
      </div>
    </>
  );
}

function StoredMessage({ message: m }: { message: Stored }) {
  const heading = m.channel === 'email' ? (m.subject ?? '(no subject)') : `SMS to ${m.to}`;
  const headingId = `mail-${m.id}`;
  return (
    <article className="stored-message" aria-labelledby={headingId}>
      <h2 id={headingId}>{heading}</h2>
      <dl className="settings">
        <dt>To</dt>
        <dd>{m.to}</dd>
        {m.from && (
          <>
            <dt>From</dt>
            <dd>{m.from}</dd>
          </>
        )}
        <dt>Stored</dt>
        <dd>
          <Time iso={m.createdAt} />
        </dd>
        <dt>Message id</dt>
        <dd>
          <code>{m.messageId}</code>
        </dd>
        {Object.entries(m.headers).map(([name, value]) => (
          <div key={name} className="header-row">
            <dt>{name}</dt>
            <dd>
              <code>{value}</code>
            </dd>
          </div>
        ))}
      </dl>
      {m.html && <EmailFrame html={m.html} title={`Email: ${heading}`} />}
      {m.text && (
        <>
          <h3>{m.channel === 'email' ? 'Plain text' : 'Text'}</h3>
          <pre className="json" aria-label={`Text of ${heading}`} tabIndex={0}>
            {m.text}
          </pre>
        </>
      )}
    </article>
  );
}

import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { CopyButton } from '../../components/copy-button';
import { ErrorAlert } from '../../components/form';
import { useTitle } from '../../components/title';
import { Link } from '../../router';
import { EventTable } from '../events/event-table';

/** As Segment's Event Tester flow: the settings to paste, then the first event as it arrives. */
const POLL_MS = 2_000;

export function Connect() {
  useTitle('Connect Segment');
  const connection = useQuery({ queryKey: ['segment-connection'], queryFn: async () => unwrap(await api.GET('/api/segment/connection')), refetchInterval: POLL_MS });
  const received = (connection.data?.eventCount ?? 0) > 0;
  const latest = useQuery({
    queryKey: ['events', 'latest'],
    queryFn: async () => unwrap(await api.GET('/api/events', { params: { query: { limit: 5 } } })),
    enabled: received,
    refetchInterval: POLL_MS,
  });

  return (
    <>
      <h1>Connect Segment</h1>
      {connection.error && <ErrorAlert>{connection.error.message}</ErrorAlert>}
      {connection.data && (
        <>
          <section aria-labelledby="settings">
            <h2 id="settings">Settings</h2>
            <dl className="settings">
              <dt>Destination endpoint</dt>
              <dd>
                <code>{`${connection.data.endpoint}/segment`}</code>
              </dd>
              <dt>Tracking API host (Segment libraries)</dt>
              <dd>
                <code>{connection.data.endpoint}</code> (batches go to <code>{connection.data.batchUrl}</code>)
              </dd>
              <dt>API key</dt>
              <dd>
                <code className="secret">{connection.data.apiKey}</code> <CopyButton value={connection.data.apiKey} label="Copy API key" />
              </dd>
            </dl>
          </section>
          <section aria-labelledby="steps">
            <h2 id="steps">In Segment</h2>
            <ol className="steps">
              <li>
                In your Segment workspace, open <strong>Connections → Destinations → Add destination</strong> and choose <strong>Webhooks (Actions)</strong> (or
                Webhooks Classic) for your source.
              </li>
              <li>
                Set the URL to the destination endpoint above and send the header <code>Authorization: Basic</code> with the base64 of <code>API key:</code> (the key as
                user name, empty password). Webhooks Classic can instead use the API key as its shared secret (checked as <code>X-Signature</code>).
              </li>
              <li>
                For Segment libraries (analytics-node, analytics.js), set the <strong>host</strong> to the tracking API host and the <strong>write key</strong> to the API
                key.
              </li>
              <li>
                Press <strong>Send Event</strong> in Segment’s Event Tester: the event shows up below within a few seconds.
              </li>
            </ol>
          </section>
          <section aria-labelledby="received" aria-live="polite">
            <h2 id="received">Events received</h2>
            {!received ? (
              <p className="waiting">No Segment events received yet. This page checks every few seconds.</p>
            ) : (
              <>
                <p>
                  {connection.data.eventCount} {connection.data.eventCount === 1 ? 'event' : 'events'} received. The latest ones are below; the{' '}
                  <Link to="/events">Event log</Link> has them all.
                </p>
                <EventTable events={latest.data?.events ?? (connection.data.lastEvent ? [connection.data.lastEvent] : [])} caption="Latest events" />
              </>
            )}
          </section>
        </>
      )}
    </>
  );
}

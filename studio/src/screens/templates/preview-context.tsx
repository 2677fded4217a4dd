import { useState, type ReactElement } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, unwrap } from '../../api/client';
import { Field } from '../../components/form';
import { useSettled } from '../../components/use-settled';

type Json = Record<string, unknown>;

/** What a preview renders against, and the ids a test send names (the server loads them itself). */
export interface PreviewContext {
  profile: Json;
  data: Json;
  event: Json;
  group: null;
  profileId?: string;
  eventId?: string;
}

const SAMPLE = 'sample';
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseSample(text: string): Json | string {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : 'the sample must be a JSON object';
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
}

/** A real profile (by userId or alias) and a real logged event, or a sample event as JSON; the context as a send builds it. */
export function usePreviewContext(): { context: PreviewContext; picker: ReactElement } {
  const [userId, setUserId] = useState('');
  const [eventChoice, setEventChoice] = useState('');
  const [sample, setSample] = useState('{\n  "properties": {}\n}');
  const profileId = useSettled(userId.trim());

  const profile = useQuery({
    queryKey: ['profile', profileId],
    queryFn: async () => unwrap(await api.GET('/api/profiles/{userId}', { params: { path: { userId: profileId } } })),
    enabled: profileId !== '',
    retry: (count, err) => !(err instanceof ApiError && err.status === 404) && count < 2,
  });
  const events = useQuery({ queryKey: ['events', 'recent'], queryFn: async () => unwrap(await api.GET('/api/events', { params: { query: { limit: 25 } } })).events });

  const sampleEvent = eventChoice === SAMPLE ? parseSample(sample) : undefined;
  const logged = eventChoice && eventChoice !== SAMPLE ? events.data?.find((e) => e.id === eventChoice) : undefined;
  const event: Json = typeof sampleEvent === 'object' ? sampleEvent : (logged?.payload ?? {});
  const data = (isObject(event.properties) ? event.properties : isObject(event.traits) ? event.traits : {}) as Json;
  const found = profileId !== '' ? profile.data : undefined;

  const context: PreviewContext = {
    profile: found ? { ...found.traits, userId: found.userId } : {},
    data,
    event,
    group: null,
    ...(found && { profileId: found.userId }),
    ...(logged && { eventId: logged.id }),
  };

  const profileHint = profileId === '' ? 'Empty: the preview has no profile.' : profile.isPending ? 'Looking it up…' : found ? `Using the profile of ${found.userId}.` : undefined;
  const profileError = profile.error ? (profile.error instanceof ApiError && profile.error.status === 404 ? `No profile "${profileId}".` : profile.error.message) : undefined;

  const picker = (
    <fieldset>
      <legend>Preview with</legend>
      <Field label="Profile (userId or alias)" hint={profileHint} error={profileError}>
        {(props) => <input {...props} type="search" value={userId} onChange={(e) => setUserId(e.target.value)} />}
      </Field>
      <Field label="Event" hint="Its properties (or traits) are data.* in the template.">
        {(props) => (
          <select {...props} value={eventChoice} onChange={(e) => setEventChoice(e.target.value)}>
            <option value="">No event</option>
            {events.data?.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name} · {e.userId ?? e.anonymousId ?? 'anonymous'} · {new Date(e.receivedAt).toLocaleString()}
              </option>
            ))}
            <option value={SAMPLE}>Sample event (JSON)…</option>
          </select>
        )}
      </Field>
      {eventChoice === SAMPLE && (
        <Field label="Sample event JSON" error={typeof sampleEvent === 'string' ? sampleEvent : undefined}>
          {(props) => <textarea {...props} className="source" rows={6} spellCheck={false} value={sample} onChange={(e) => setSample(e.target.value)} />}
        </Field>
      )}
    </fieldset>
  );
  return { context, picker };
}

import { setHandler } from '@temporalio/workflow';
import type { TrackEvent } from '../src/sdk/automation';
import { runEventSignal } from './signals';
import type { RoutedEvent } from './types';

/**
 * Keeps every track event routed to the run from its start, in arrival order
 * (a redelivered event once), so an event that comes before the run waits for
 * it is not lost; each wait takes the first matching event not taken yet.
 */
export function trackRunEvents(onEvent: (event: RoutedEvent) => void) {
  const events: RoutedEvent[] = [];
  const taken = new Set<string>();
  setHandler(runEventSignal, (event) => {
    if (events.some((e) => e.messageId === event.messageId)) return;
    // Deliveries can overtake each other (retries); the log's order is the event's place.
    const at = events.findIndex((e) => e.seq > event.seq);
    events.splice(at === -1 ? events.length : at, 0, event);
    onEvent(event);
  });
  return {
    /** The first event not taken yet with one of `names` that `where` accepts (a `where` that throws, throws here). */
    find(names: readonly string[], where?: (event: TrackEvent) => boolean): RoutedEvent | undefined {
      return events.find((e) => !taken.has(e.messageId) && names.includes(e.name) && (!where || where(publicEvent(e))));
    },
    take(event: RoutedEvent): TrackEvent {
      taken.add(event.messageId);
      return publicEvent(event);
    },
  };
}

function publicEvent({ name, properties, timestamp, messageId }: RoutedEvent): TrackEvent {
  return { name, properties, ...(timestamp === undefined ? {} : { timestamp }), messageId };
}

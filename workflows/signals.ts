import { defineSignal } from '@temporalio/workflow';
import type { Engagement, RoutedEvent } from './types';

/** Opens and clicks of a run's messages (from the tracking pixel, redirects and provider webhooks). */
export const engagementSignal = defineSignal<[Engagement]>('engagement');

/** Track events of the run's user that its automation declared (see workflows/run-events.ts). */
export const runEventSignal = defineSignal<[RoutedEvent]>('runEvent');

import { defineSignal } from '@temporalio/workflow';
import type { Engagement } from './types';

/** Opens and clicks of a run's messages (from the tracking pixel, redirects and provider webhooks). */
export const engagementSignal = defineSignal<[Engagement]>('engagement');

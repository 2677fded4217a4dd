import type { TrackParams } from '@segment/analytics-node';
import type { OutcomeRow } from '../db/outcomes';

/** Outcome statuses as Segment track events; IGNORED is an escalation nobody engaged with. */
const EVENT_NAMES: Record<string, string> = {
  SENT: 'Message Sent',
  DELIVERED: 'Message Delivered',
  OPENED: 'Message Opened',
  CLICKED: 'Message Clicked',
  UNDELIVERABLE: 'Message Undeliverable',
  IGNORED: 'Message Opened',
};

/** The export setting an outcome falls under (IGNORED is a `Message Opened`). */
export const settingOf = (status: string) => (status === 'IGNORED' ? 'OPENED' : status);

/** The Segment track event of an outcome, addressed to the recipient (their anonymousId while they have no userId). */
export function outcomeEvent(o: OutcomeRow, version: string): TrackParams {
  const who = o.anonymous ? { anonymousId: o.user_id } : { userId: o.user_id };
  return {
    ...who,
    event: EVENT_NAMES[o.status] ?? `Message ${o.status}`,
    messageId: o.segment_message_id,
    timestamp: o.happened_at,
    properties: {
      messageId: o.message_id,
      runId: o.run_id,
      automation: o.automation,
      mapping: o.mapping_id,
      channel: o.channel,
      provider: o.provider,
      template: o.template_id,
      templateVersion: o.template_version,
      triggerEvent: o.trigger_event,
      triggerMessageId: o.trigger_message_id,
      status: o.status === 'IGNORED' ? 'OPENED' : o.status,
      ...(o.status === 'IGNORED' ? { opened: false } : {}),
      ...(o.status === 'OPENED' ? { opened: true } : {}),
      ...(o.status === 'UNDELIVERABLE' && o.reason ? { reason: o.reason } : {}),
    },
    context: { integration: { name: 'homing', version } },
  };
}

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

/** The Segment track event of an outcome, addressed to the person (their anonymousId while they have no userId). */
export function outcomeEvent(o: OutcomeRow, version: string): TrackParams {
  const who = o.anonymous ? { anonymousId: o.user_id } : { userId: o.user_id };
  const m = o.message;
  return {
    ...who,
    event: m ? (EVENT_NAMES[o.status] ?? `Message ${o.status}`) : 'Subscription Changed',
    messageId: o.segment_message_id,
    timestamp: o.happened_at,
    properties: {
      ...(m && {
        messageId: m.message_id,
        runId: m.run_id,
        automation: m.automation,
        mapping: m.mapping_id,
        channel: m.channel,
        provider: m.provider,
        template: m.template_id,
        templateVersion: m.template_version,
        triggerEvent: m.trigger_event,
        triggerMessageId: m.trigger_message_id,
        status: settingOf(o.status),
        ...(o.status === 'IGNORED' ? { opened: false } : {}),
        ...(o.status === 'OPENED' ? { opened: true } : {}),
        ...(o.status === 'UNDELIVERABLE' && m.reason ? { reason: m.reason } : {}),
      }),
      ...o.properties,
    },
    context: { integration: { name: 'homing', version } },
  };
}

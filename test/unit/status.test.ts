import { statusesBefore } from '../../src/messaging/status';
import { outcomeEvent, settingOf } from '../../src/outcomes/segment-events';
import type { OutcomeRow } from '../../src/db/outcomes';

describe('message status order', () => {
  it('moves only forward along ENQUEUED → SENT → DELIVERED → OPENED → CLICKED', () => {
    expect(statusesBefore('SENT')).toEqual(['ENQUEUED']);
    expect(statusesBefore('DELIVERED')).toEqual(['ENQUEUED', 'SENT']);
    expect(statusesBefore('OPENED')).toEqual(['ENQUEUED', 'SENT', 'DELIVERED']);
    expect(statusesBefore('CLICKED')).toEqual(['ENQUEUED', 'SENT', 'DELIVERED', 'OPENED']);
    // A late delivery report after an open changes nothing.
    expect(statusesBefore('DELIVERED')).not.toContain('OPENED');
  });

  it('ends unengaged messages only: an opened message is never made UNDELIVERABLE', () => {
    expect(statusesBefore('UNDELIVERABLE')).toEqual(['ENQUEUED', 'SENT', 'DELIVERED']);
  });

  it('cancels only what is not sent yet: a SENT or DELIVERED message stays so when its run is canceled', () => {
    expect(statusesBefore('CANCELED')).toEqual(['ENQUEUED']);
  });
});

describe('outcome events for Segment', () => {
  const message = {
    message_id: 'msg_1',
    channel: 'sms',
    provider: 'twilio',
    template_id: 'nudge',
    template_version: 3,
    reason: null,
    run_id: 'homing:homing:run:trial:m1',
    automation: 'email-then-sms',
    mapping_id: 'trial',
    trigger_event: 'Trial Started',
    trigger_message_id: 'm1',
  };
  const row: OutcomeRow = {
    id: '1',
    status: 'IGNORED',
    segment_message_id: 'homing-msg_1-ignored',
    happened_at: new Date('2026-11-23T10:00:00Z'),
    properties: {},
    user_id: 'anon-7',
    anonymous: true,
    message,
  };

  it('reports an ignored escalation as Message Opened with opened: false, to the anonymousId of an anonymous profile', () => {
    const e = outcomeEvent(row, '1.2.3');
    expect(e).toMatchObject({ anonymousId: 'anon-7', event: 'Message Opened', messageId: 'homing-msg_1-ignored', context: { integration: { name: 'homing', version: '1.2.3' } } });
    expect(e).not.toHaveProperty('userId');
    expect(e.properties).toMatchObject({ opened: false, status: 'OPENED', channel: 'sms', provider: 'twilio', template: 'nudge', runId: message.run_id, mapping: 'trial' });
    expect(settingOf('IGNORED')).toBe('OPENED');
  });

  it('carries the reason of an undeliverable message', () => {
    const e = outcomeEvent({ ...row, status: 'UNDELIVERABLE', message: { ...message, reason: 'bounced' }, anonymous: false }, '1');
    expect(e).toMatchObject({ userId: 'anon-7', event: 'Message Undeliverable', properties: { status: 'UNDELIVERABLE', reason: 'bounced' } });
  });

  it('reports a subscription change as Subscription Changed with its channel, topic and source, and no message fields', () => {
    const properties = { channel: 'email', topic: 'product-updates', subscribed: false, source: 'one-click' };
    const e = outcomeEvent({ ...row, status: 'SUBSCRIPTION_CHANGED', segment_message_id: 'homing-consent-9', properties, message: null, anonymous: false }, '1');
    expect(e).toMatchObject({ userId: 'anon-7', event: 'Subscription Changed', messageId: 'homing-consent-9' });
    expect(e.properties).toEqual(properties);
  });

  it('adds an outcome\'s own properties, such as how an open was classified', () => {
    const e = outcomeEvent({ ...row, status: 'OPENED', properties: { engagement: 'human' } }, '1');
    expect(e.properties).toMatchObject({ status: 'OPENED', opened: true, engagement: 'human' });
  });
});

import { identifyPreferences } from '../../src/consent/identify-preferences';
import type { IdentifyEvent } from '../../src/segment/schemas';

const identify = (e: Partial<IdentifyEvent>) => ({ type: 'identify', userId: 'u', messageId: 'm1', ...e }) as IdentifyEvent;

it("reads Segment's subscription states per channel, in either spelling, with the address as evidence", () => {
  const subs = [
    { key: 'u@example.com', type: 'EMAIL', status: 'UNSUBSCRIBED' },
    { key: '+15550100001', type: 'sms', status: 'subscribed' },
    { key: 'device', type: 'IOS_PUSH', status: 'SUBSCRIBED' },
  ];
  expect(identifyPreferences(identify({ context: { messaging_subscriptions: subs } }), [])).toEqual([
    { channel: 'email', topic: '', subscribed: false, source: 'segment', evidence: { messageId: 'm1', key: 'u@example.com' } },
    { channel: 'sms', topic: '', subscribed: true, source: 'segment', evidence: { messageId: 'm1', key: '+15550100001' } },
  ]);
});

it('did-not-subscribe is no consent for texts and no change for email', () => {
  const subs = [
    { key: 'u@example.com', type: 'EMAIL', status: 'DID_NOT_SUBSCRIBE' },
    { key: '+15550100001', type: 'SMS', status: 'did-not-subscribe' },
  ];
  expect(identifyPreferences(identify({ context: { messaging_subscriptions: subs } }), []).map((c) => [c.channel, c.subscribed])).toEqual([['sms', false]]);
});

it('subscription groups become topic preferences', () => {
  const subs = [{ key: 'u@example.com', type: 'EMAIL', status: 'SUBSCRIBED', groups: [{ name: 'promos', status: 'unsubscribed' }] }];
  expect(identifyPreferences(identify({ context: { messaging_subscriptions: subs } }), []).map((c) => [c.topic, c.subscribed])).toEqual([
    ['', true],
    ['promos', false],
  ]);
});

it('reads the configured consent traits (booleans and the usual words); other values and absent traits are no choice', () => {
  const traits = [
    { trait: 'news_ok', channel: 'email' as const, topic: 'news' },
    { trait: 'sms_ok', channel: 'sms' as const, topic: '' },
    { trait: 'push_ok', channel: 'email' as const, topic: '' },
  ];
  expect(identifyPreferences(identify({ traits: { news_ok: 'Opted-Out', sms_ok: true } }), traits)).toEqual([
    { channel: 'email', topic: 'news', subscribed: false, source: 'trait', evidence: { messageId: 'm1', trait: 'news_ok' } },
    { channel: 'sms', topic: '', subscribed: true, source: 'trait', evidence: { messageId: 'm1', trait: 'sms_ok' } },
  ]);
  expect(identifyPreferences(identify({ traits: { news_ok: 'maybe' }, context: { messaging_subscriptions: 'junk' } }), traits)).toEqual([]);
});

import crypto from 'node:crypto';
import { checkSend, type SendCheck } from '../../src/consent/send-check';
import { changePreference, liftSuppression, saveTopic, suppress } from '../../src/db/consent';
import { createDatabase } from '../../src/db/create-database';
import type { Pool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { openDatabase } from '../../src/services';

/**
 * The send-time check on Postgres itself: suppressions stop every message,
 * preferences stop marketing, and a frequency cap holds under concurrency
 * (many sends for one person at once: exactly the cap goes out).
 */
let pool: Pool;
beforeAll(async () => {
  const url = await createDatabase(process.env.HOMING_TEST_DATABASE_URL!, `homing_check_${crypto.randomBytes(4).toString('hex')}`);
  pool = await openDatabase(url, createLogger('silent'));
  await saveTopic(pool, { id: 'news', name: 'News', description: '', defaultStatus: 'opted-in', frequencyCaps: [{ channel: 'email', limit: 2, period: '1d', seconds: 86_400 }] });
  await saveTopic(pool, { id: 'beta', name: 'Beta', description: '', defaultStatus: 'opted-out', frequencyCaps: [] });
  await saveTopic(pool, { id: 'legal', name: 'Legal', description: '', defaultStatus: 'required', frequencyCaps: [] });
});
afterAll(() => pool?.end());

const NOW = Date.parse('2026-11-30T12:00:00Z');
let n = 0;
const check = (over: Partial<SendCheck> & Pick<SendCheck, 'userId'>) =>
  checkSend(pool, { channel: 'email', address: `${over.userId}@example.com`, messageId: `m${++n}`, consent: { category: 'marketing' }, caps: [], at: NOW, counts: true, ...over });

it('lets a marketing message to a person who never chose go out', async () => {
  expect(await check({ userId: 'fresh' })).toEqual({ allowed: true });
});

it('stops every message, transactional too, to a suppressed address until it is lifted', async () => {
  await suppress(pool, { channel: 'email', address: 'sup@example.com', reason: 'bounced', source: 'sendgrid', evidence: {} });
  const transactional = { userId: 'sup', consent: { category: 'transactional' as const } };
  expect(await check(transactional)).toMatchObject({ allowed: false, reason: 'suppressed', detail: { suppression: 'bounced' } });
  expect(await liftSuppression(pool, 'email', 'sup@example.com', 'test')).toBe(true);
  expect(await check(transactional)).toEqual({ allowed: true });
});

it('stops marketing after a channel-wide, every-channel or topic opt-out; transactional and required topics go on', async () => {
  await changePreference(pool, { userId: 'out', channel: 'email', topic: '', subscribed: false, source: 'api', evidence: {} });
  expect(await check({ userId: 'out' })).toMatchObject({ allowed: false, reason: 'unsubscribed', detail: { unsubscribed: 'marketing' } });
  expect(await check({ userId: 'out', channel: 'sms', address: '+15550100001' })).toEqual({ allowed: true });
  expect(await check({ userId: 'out', consent: { category: 'transactional' } })).toEqual({ allowed: true });
  expect(await check({ userId: 'out', consent: { category: 'marketing', topic: 'legal' } })).toEqual({ allowed: true });

  await changePreference(pool, { userId: 'all', channel: '*', topic: 'news', subscribed: false, source: 'one-click', evidence: {} });
  expect(await check({ userId: 'all', channel: 'sms', address: '+15550100002', consent: { category: 'marketing', topic: 'news' } })).toMatchObject({ reason: 'unsubscribed', detail: { unsubscribed: 'topic' } });
  expect(await check({ userId: 'all', consent: { category: 'marketing', topic: 'beta' } })).toMatchObject({ reason: 'unsubscribed', detail: { unsubscribed: 'not-opted-in' } });
  await changePreference(pool, { userId: 'all', channel: 'email', topic: 'beta', subscribed: true, source: 'api', evidence: {} });
  expect(await check({ userId: 'all', consent: { category: 'marketing', topic: 'beta' } })).toEqual({ allowed: true });
});

it('decides a cap atomically: of 12 sends at once under a cap of one, exactly one goes out', async () => {
  const caps = [{ channel: 'email', limit: 1, period: '1d', seconds: 86_400 }];
  const verdicts = await Promise.all(Array.from({ length: 12 }, () => check({ userId: 'busy', caps })));
  expect(verdicts.filter((v) => v.allowed)).toHaveLength(1);
  expect(verdicts.filter((v) => !v.allowed && v.reason === 'frequency-capped')).toHaveLength(11);
  // A day later there is room again.
  expect(await check({ userId: 'busy', caps, at: NOW + 86_400_000 + 1 })).toEqual({ allowed: true });
});

it('counts a retried send once, counts nothing for a send that waits for sending hours, and exempts transactional', async () => {
  const caps = [{ channel: 'email', limit: 1, period: '1d', seconds: 86_400 }];
  expect(await check({ userId: 'retry', caps, messageId: 'same', counts: false })).toEqual({ allowed: true });
  expect(await check({ userId: 'retry', caps, messageId: 'same' })).toEqual({ allowed: true });
  expect(await check({ userId: 'retry', caps, messageId: 'same' })).toEqual({ allowed: true });
  expect(await check({ userId: 'retry', caps })).toMatchObject({ allowed: false, reason: 'frequency-capped' });
  expect(await check({ userId: 'retry', caps, consent: { category: 'transactional' } })).toEqual({ allowed: true });
});

it("applies a topic's own cap to that topic's messages only", async () => {
  const news = { category: 'marketing' as const, topic: 'news' };
  expect(await check({ userId: 'reader', consent: news })).toEqual({ allowed: true });
  expect(await check({ userId: 'reader', consent: news })).toEqual({ allowed: true });
  expect(await check({ userId: 'reader', consent: news })).toMatchObject({ reason: 'frequency-capped', detail: { topic: 'news' } });
  expect(await check({ userId: 'reader' })).toEqual({ allowed: true });
});

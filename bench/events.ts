/**
 * Segment events as a real source sends them: identify with traits, track with
 * properties, a context with the library, unique messageIds. Users come from a
 * fixed pool, so after the first phase most identifies update a profile.
 */

export const USERS = 10_000;

const LIBRARY = { library: { name: 'homing-bench', version: '1.0.0' } };
const PLANS = ['free', 'team', 'business'];

export function identifyEvent(messageId: string, n: number, timestamp: string): Record<string, unknown> {
  const user = (n * 7919) % USERS;
  return {
    type: 'identify',
    messageId,
    userId: `user-${user}`,
    timestamp,
    traits: { email: `user-${user}@example.com`, name: `User ${user}`, plan: PLANS[n % PLANS.length], logins: n },
    context: LIBRARY,
  };
}

export function trackEvent(messageId: string, n: number, timestamp: string): Record<string, unknown> {
  const user = (n * 104_729) % USERS;
  return {
    type: 'track',
    messageId,
    userId: `user-${user}`,
    event: 'Order Completed',
    timestamp,
    properties: { orderId: `order-${n}`, revenue: 12.5 + (n % 100), currency: 'EUR', products: [{ sku: `sku-${n % 500}`, quantity: 1 }] },
    context: LIBRARY,
  };
}

/** Every `identifyEvery`-th event is an identify, the rest are tracks. */
export function mixedEvent(messageId: string, n: number, identifyEvery: number, timestamp: string): Record<string, unknown> {
  return n % identifyEvery === 0 ? identifyEvent(messageId, n, timestamp) : trackEvent(messageId, n, timestamp);
}

/** A Tracking API `/v1/batch` body of `size` events numbered from `first`. */
export function batchBody(prefix: string, first: number, size: number, identifyEvery: number): string {
  const timestamp = new Date().toISOString();
  const batch = [];
  for (let i = 0; i < size; i++) batch.push(mixedEvent(`${prefix}-${first + i}`, first + i, identifyEvery, timestamp));
  return JSON.stringify({ batch, sentAt: timestamp, context: { library: LIBRARY.library } });
}

/** A destination `/segment` body: one event. */
export function singleBody(prefix: string, n: number, identifyEvery: number): string {
  const timestamp = new Date().toISOString();
  return JSON.stringify({ ...mixedEvent(`${prefix}-${n}`, n, identifyEvery, timestamp), sentAt: timestamp });
}

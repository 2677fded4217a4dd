import { validateEvent } from '../../src/segment/validate';
import { MAX_ID_CHARS } from '../../src/segment/schemas';
import type { SegmentEvent } from '../../src/segment/schemas';
import { toLogEntry } from '../../src/ingest/entries';
import { shardOf, SHARD_COUNT } from '../../src/ingest/shards';
import { TOP_LEVEL_EMAIL_NOTE } from '../../src/ingest/traits';

function valid(raw: unknown): SegmentEvent {
  const result = validateEvent(raw);
  if (!result.ok) throw new Error(`expected a valid event, got: ${result.error}`);
  return result.event;
}

function invalid(raw: unknown): string {
  const result = validateEvent(raw);
  if (result.ok) throw new Error(`expected an invalid event, got: ${JSON.stringify(result.event)}`);
  return result.error;
}

// Segment's Event Tester payloads, verbatim.
const TESTER_IDENTIFY =
  '{"messageId":"segment-test-message-iskh4123","timestamp":"2024-05-21T18:00:18.913Z","type":"identify","email":"test@example.org","traits":{"trait1":2,"email":"test@example.org"},"userId":"rod-test"}';
const TESTER_TRACK =
  '{"messageId":"segment-test-message-a8rmf","timestamp":"2021-12-07T08:41:59.410Z","type":"track","email":"test@example.org","projectId":"4GgKeBoVJkT9EZL4vAmduv","properties":{"property1":1,"property2":"test","property3":true},"userId":"test-user-cqw3gr","event":"Segment Test Event Name"}';

const browserContext = {
  ip: '8.8.8.8',
  library: { name: 'analytics.js', version: 'next-1.70.0' },
  locale: 'en-US',
  page: {
    path: '/academy/',
    referrer: '',
    search: '',
    title: 'Analytics Academy',
    url: 'https://segment.com/academy/',
  },
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
};

// Payloads in the shape of the Segment Spec's "complete example" of each call.
const SPEC = {
  identify: {
    anonymousId: '507f191e810c19729de860ea',
    channel: 'browser',
    context: browserContext,
    integrations: { All: false, Mixpanel: true, Salesforce: true },
    messageId: '022bb90c-bbac-11e4-8dfc-aa07a5b093db',
    receivedAt: '2015-02-23T22:28:55.387Z',
    sentAt: '2015-02-23T22:28:55.111Z',
    timestamp: '2015-02-23T22:28:55.111Z',
    traits: {
      name: 'Peter Gibbons',
      email: 'peter@example.com',
      plan: 'premium',
      logins: 5,
      address: { street: '6th St', city: 'San Francisco', state: 'CA', postalCode: '94103', country: 'USA' },
    },
    type: 'identify',
    userId: '97980cfea0067',
    version: '1.1',
  },
  track: {
    anonymousId: '23adfd82-aa0f-45a7-a756-24f2a7a4c895',
    context: { ...browserContext, library: { name: 'analytics.js', version: '2.11.1' } },
    event: 'Course Clicked',
    integrations: {},
    messageId: 'ajs-f8ca1e4de5024d9430b3928bd8ac6b96',
    properties: { title: 'Intro to Analytics' },
    receivedAt: '2015-12-12T19:11:01.266Z',
    sentAt: '2015-12-12T19:11:01.169Z',
    timestamp: '2015-12-12T19:11:01.249Z',
    originalTimestamp: '2015-12-12T19:11:01.152Z',
    type: 'track',
    userId: 'AiUGstSDIg',
  },
  page: {
    anonymousId: '507f191e810c19729de860ea',
    channel: 'browser',
    context: { ip: '8.8.8.8', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:46.0) Gecko/20100101 Firefox/46.0' },
    integrations: { All: true, Mixpanel: false, Salesforce: false },
    messageId: '022bb90c-bbac-11e4-8dfc-aa07a5b093db',
    name: 'Home',
    category: 'Docs',
    properties: { title: 'Welcome | Initech', url: 'http://www.example.com' },
    receivedAt: '2015-02-23T22:28:55.387Z',
    sentAt: '2015-02-23T22:28:55.111Z',
    timestamp: '2015-02-23T22:28:55.111Z',
    type: 'page',
    userId: '97980cfea0067',
    version: '1.1',
  },
  screen: {
    anonymousId: '3a12eab0-bca7-11e4-8dfc-aa07a5b093db',
    channel: 'mobile',
    context: {
      ip: '8.8.8.8',
      app: { name: 'InitechGlobal', version: '545', build: '3.0.1.545', namespace: 'com.production.segment' },
      device: { manufacturer: 'Apple', model: 'iPhone7,2', type: 'ios' },
      os: { name: 'iPhone OS', version: '8.1.3' },
      library: { name: 'analytics.iOS', version: '4.1.8' },
    },
    integrations: { All: true, Mixpanel: false, Salesforce: false },
    messageId: '022bb90c-bbac-11e4-8dfc-aa07a5b093db',
    name: 'Home',
    properties: { variation: 'blue signup button' },
    receivedAt: '2015-02-23T22:28:55.387Z',
    sentAt: '2015-02-23T22:28:55.111Z',
    timestamp: '2015-02-23T22:28:55.111Z',
    type: 'screen',
    userId: '97980cfea0067',
    version: '1.1',
  },
  group: {
    anonymousId: '507f191e810c19729de860ea',
    channel: 'browser',
    context: browserContext,
    integrations: { All: true, Mixpanel: false, Salesforce: false },
    messageId: '022bb90c-bbac-11e4-8dfc-aa07a5b093db',
    receivedAt: '2015-02-23T22:28:55.387Z',
    sentAt: '2015-02-23T22:28:55.111Z',
    timestamp: '2015-02-23T22:28:55.111Z',
    traits: { name: 'Initech', industry: 'Technology', employees: 329, plan: 'enterprise', 'total billed': 830 },
    type: 'group',
    userId: '97980cfea0067',
    groupId: '0e8c78ea9d97a7b8185e8632',
    version: '1.1',
  },
  alias: {
    anonymousId: '507f191e810c19729de860ea',
    channel: 'browser',
    context: browserContext,
    integrations: { All: true, Mixpanel: false, Salesforce: false },
    messageId: '022bb90c-bbac-11e4-8dfc-aa07a5b093db',
    previousId: '39239-239239-239239-23923',
    receivedAt: '2015-02-23T22:28:55.387Z',
    sentAt: '2015-02-23T22:28:55.111Z',
    timestamp: '2015-02-23T22:28:55.111Z',
    type: 'alias',
    userId: '507f191e81',
    version: '1.1',
  },
} as const;

describe("Segment's Event Tester payloads", () => {
  test('the identify is valid and keeps every field, including the top-level email', () => {
    const raw = JSON.parse(TESTER_IDENTIFY) as Record<string, unknown>;
    const event = valid(raw);
    expect(event).toEqual(raw);
    expect(event.type).toBe('identify');
    expect(event.userId).toBe('rod-test');
    expect(event['email']).toBe('test@example.org');
  });

  test('the identify becomes an accepted log entry with a shard and no error', () => {
    const entry = toLogEntry(JSON.parse(TESTER_IDENTIFY));
    expect(entry).toMatchObject({
      messageId: 'segment-test-message-iskh4123',
      type: 'identify',
      event: null,
      userId: 'rod-test',
      anonymousId: null,
      status: 'accepted',
      error: null,
      // traits.email is present, so the top-level email is not needed
      note: null,
    });
    expect(entry.shard).toBe(shardOf('rod-test'));
    expect(entry.shard).toBeGreaterThanOrEqual(0);
    expect(entry.shard).toBeLessThan(SHARD_COUNT);
    expect(JSON.parse(entry.payload)).toEqual(JSON.parse(TESTER_IDENTIFY));
  });

  test('the track is valid and keeps unknown fields such as projectId', () => {
    const raw = JSON.parse(TESTER_TRACK) as Record<string, unknown>;
    const event = valid(raw);
    expect(event).toEqual(raw);
    expect(event['projectId']).toBe('4GgKeBoVJkT9EZL4vAmduv');
    expect(event['email']).toBe('test@example.org');
    if (event.type !== 'track') throw new Error('expected a track');
    expect(event.event).toBe('Segment Test Event Name');
    expect(event.properties).toEqual({ property1: 1, property2: 'test', property3: true });
  });

  test('the track becomes an unmapped log entry, with its user\'s shard in case a mapping names it', () => {
    const entry = toLogEntry(JSON.parse(TESTER_TRACK));
    expect(entry).toEqual({
      messageId: 'segment-test-message-a8rmf',
      type: 'track',
      event: 'Segment Test Event Name',
      userId: 'test-user-cqw3gr',
      anonymousId: null,
      status: 'unmapped',
      error: null,
      note: null,
      payload: expect.any(String) as unknown as string,
      shard: shardOf('test-user-cqw3gr'),
    });
    const payload = JSON.parse(entry.payload) as Record<string, unknown>;
    expect(payload).toEqual(JSON.parse(TESTER_TRACK));
    expect(payload.projectId).toBe('4GgKeBoVJkT9EZL4vAmduv');
  });
});

describe('Segment Spec example payloads', () => {
  test.each(Object.entries(SPEC))('%s is valid and passes through unchanged', (_type, raw) => {
    const event = valid(raw);
    expect(event).toEqual(raw);
    // fields outside Homing's schema (Segment adds these) are kept
    expect(event['receivedAt']).toBe(raw.receivedAt);
    expect(event.context).toEqual(raw.context);
    expect(event.integrations).toEqual(raw.integrations);
  });

  test('identify: accepted, shard of the userId, traits intact', () => {
    const event = valid(SPEC.identify);
    if (event.type !== 'identify') throw new Error('expected an identify');
    expect(event.traits).toEqual(SPEC.identify.traits);
    const entry = toLogEntry(SPEC.identify);
    expect(entry).toMatchObject({
      messageId: SPEC.identify.messageId,
      type: 'identify',
      event: null,
      userId: '97980cfea0067',
      anonymousId: '507f191e810c19729de860ea',
      status: 'accepted',
      error: null,
      note: null,
      shard: shardOf('97980cfea0067'),
    });
  });

  test('track: unmapped until a mapping names it, named by its event, on its user\'s shard', () => {
    const entry = toLogEntry(SPEC.track);
    expect(entry).toMatchObject({
      messageId: 'ajs-f8ca1e4de5024d9430b3928bd8ac6b96',
      type: 'track',
      event: 'Course Clicked',
      userId: 'AiUGstSDIg',
      anonymousId: '23adfd82-aa0f-45a7-a756-24f2a7a4c895',
      status: 'unmapped',
      error: null,
      shard: shardOf('AiUGstSDIg'),
    });
  });

  test('page and screen: accepted, named by their name, no shard', () => {
    expect(toLogEntry(SPEC.page)).toMatchObject({ type: 'page', event: 'Home', status: 'accepted', error: null, shard: null });
    expect(toLogEntry(SPEC.screen)).toMatchObject({ type: 'screen', event: 'Home', status: 'accepted', error: null, shard: null });
    const { name: _name, ...unnamed } = SPEC.page;
    expect(toLogEntry(unnamed)).toMatchObject({ type: 'page', event: null, status: 'accepted' });
  });

  test('group: accepted, keeps groupId and traits, sharded by the user', () => {
    const event = valid(SPEC.group);
    if (event.type !== 'group') throw new Error('expected a group');
    expect(event.groupId).toBe('0e8c78ea9d97a7b8185e8632');
    expect(event.traits).toEqual(SPEC.group.traits);
    expect(toLogEntry(SPEC.group)).toMatchObject({ type: 'group', status: 'accepted', error: null, shard: shardOf('97980cfea0067') });
  });

  test('alias: accepted, keeps previousId, sharded by the new userId', () => {
    const event = valid(SPEC.alias);
    if (event.type !== 'alias') throw new Error('expected an alias');
    expect(event.previousId).toBe('39239-239239-239239-23923');
    expect(event.userId).toBe('507f191e81');
    expect(toLogEntry(SPEC.alias)).toMatchObject({ type: 'alias', status: 'accepted', error: null, shard: shardOf('507f191e81') });
  });

  test('anonymousId alone identifies the user, and then decides the shard', () => {
    const { userId: _userId, ...anonymous } = SPEC.identify;
    expect(valid(anonymous).userId).toBeUndefined();
    expect(toLogEntry(anonymous)).toMatchObject({ status: 'accepted', userId: null, shard: shardOf('507f191e810c19729de860ea') });
  });

  test('null optional fields are allowed (some libraries send userId: null with an anonymousId)', () => {
    const event = valid({ type: 'track', event: 'Signed Up', userId: null, anonymousId: 'anon-1', context: null, properties: null, timestamp: null });
    expect(event.anonymousId).toBe('anon-1');
    expect(toLogEntry({ type: 'track', event: 'Signed Up', userId: null, anonymousId: 'anon-1' })).toMatchObject({
      status: 'unmapped',
      userId: null,
      anonymousId: 'anon-1',
    });
  });
});

describe('invalid events', () => {
  const cases: Array<[string, unknown, string]> = [
    ['missing type', { userId: 'u1', event: 'Signed Up' }, 'type'],
    ['unknown type', { type: 'purchase', userId: 'u1' }, 'type'],
    ['non-string type', { type: 5, userId: 'u1' }, 'type'],
    ['track without event', { type: 'track', userId: 'u1', properties: {} }, 'event'],
    ['track with an empty event', { type: 'track', userId: 'u1', event: '' }, 'event'],
    ['identify without userId or anonymousId', { type: 'identify', traits: { email: 'a@example.com' } }, 'userId'],
    ['track without userId or anonymousId', { type: 'track', event: 'Signed Up' }, 'userId'],
    ['alias without previousId', { type: 'alias', userId: 'u1' }, 'previousId'],
    ['alias without userId', { type: 'alias', previousId: 'anon-1' }, 'userId'],
    ['group without groupId', { type: 'group', userId: 'u1', traits: { name: 'Initech' } }, 'groupId'],
    ['bad timestamp', { type: 'page', userId: 'u1', timestamp: 'yesterday at noon' }, 'timestamp'],
    ['impossible timestamp', { type: 'page', userId: 'u1', timestamp: '2024-13-45T25:61:00Z' }, 'timestamp'],
    ['bad sentAt', { type: 'page', userId: 'u1', sentAt: 'soon' }, 'sentAt'],
    ['numeric timestamp', { type: 'page', userId: 'u1', timestamp: 1716314418913 }, 'timestamp'],
    ['traits that are not an object', { type: 'identify', userId: 'u1', traits: 'vip' }, 'traits'],
    ['properties that are an array', { type: 'track', userId: 'u1', event: 'X', properties: [1, 2] }, 'properties'],
    ['context that is a string', { type: 'track', userId: 'u1', event: 'X', context: 'web' }, 'context'],
    ['boolean userId', { type: 'track', userId: true, event: 'X' }, 'userId'],
    ['empty messageId', { type: 'track', userId: 'u1', event: 'X', messageId: '' }, 'messageId'],
    ['messageId over 256 chars', { type: 'track', userId: 'u1', event: 'X', messageId: 'm'.repeat(257) }, 'messageId'],
  ];

  test.each(cases)('%s is rejected with an error naming the field', (_name, raw, field) => {
    const error = invalid(raw);
    expect(error).toContain(field);
  });

  test('unknown or missing type lists the allowed types', () => {
    for (const raw of [{ userId: 'u1' }, { type: 'Track', userId: 'u1' }]) {
      const error = invalid(raw);
      for (const t of ['identify', 'track', 'page', 'screen', 'group', 'alias']) expect(error).toContain(t);
    }
  });

  test('specific messages: track names the event, identify asks for an id, timestamp asks for ISO-8601', () => {
    expect(invalid({ type: 'track', userId: 'u1', event: '' })).toBe('event: track needs an event name');
    expect(invalid({ type: 'identify', traits: {} })).toBe('userId: userId or anonymousId is required');
    expect(invalid({ type: 'page', userId: 'u1', timestamp: 'yesterday' })).toBe('timestamp: must be an ISO-8601 date');
  });

  test.each([
    ['a string', 'identify'],
    ['a number', 42],
    ['null', null],
    ['an array', [{ type: 'track', userId: 'u1', event: 'X' }]],
    ['a boolean', true],
  ])('a non-object event (%s) is invalid', (_name, raw) => {
    expect(invalid(raw)).toMatch(/expected object/);
  });

  test('at most three problems are described, joined by "; "', () => {
    const error = invalid({
      type: 'track',
      userId: 'u1',
      event: 7,
      timestamp: 'x',
      sentAt: 'y',
      originalTimestamp: 'z',
      context: 'web',
    });
    expect(error.split('; ')).toHaveLength(3);
  });
});

describe('id coercion', () => {
  test('a numeric userId is coerced to a string', () => {
    const event = valid({ type: 'track', userId: 12345, event: 'Order Completed' });
    expect(event.userId).toBe('12345');
    expect(typeof event.userId).toBe('string');
  });

  test('numeric anonymousId, groupId and previousId are coerced too', () => {
    expect(valid({ type: 'page', anonymousId: 7 }).anonymousId).toBe('7');
    const group = valid({ type: 'group', userId: 'u1', groupId: 99 });
    if (group.type !== 'group') throw new Error('expected a group');
    expect(group.groupId).toBe('99');
    const alias = valid({ type: 'alias', userId: 1, previousId: 2 });
    if (alias.type !== 'alias') throw new Error('expected an alias');
    expect(alias.userId).toBe('1');
    expect(alias.previousId).toBe('2');
  });

  test('the log entry carries the coerced id and shards on it', () => {
    const entry = toLogEntry({ type: 'identify', userId: 12345, traits: { plan: 'pro' } });
    expect(entry.userId).toBe('12345');
    expect(entry.shard).toBe(shardOf('12345'));
  });
});

describe('toLogEntry', () => {
  test('generates a messageId when missing, stores it in the payload and leaves the input alone', () => {
    const raw = { type: 'track', userId: 'u1', event: 'Signed Up' };
    const a = toLogEntry(raw);
    const b = toLogEntry(raw);
    expect(a.messageId).toMatch(/^homing-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(b.messageId).not.toBe(a.messageId);
    expect(JSON.parse(a.payload)).toEqual({ ...raw, messageId: a.messageId });
    expect(raw).toEqual({ type: 'track', userId: 'u1', event: 'Signed Up' });
    expect(a.status).toBe('unmapped');
  });

  test('an empty or non-string messageId is replaced by a generated one', () => {
    for (const messageId of ['', 42, null]) {
      const entry = toLogEntry({ type: 'track', userId: 'u1', event: 'X', messageId });
      expect(entry.messageId).toMatch(/^homing-/);
      expect((JSON.parse(entry.payload) as { messageId: unknown }).messageId).toBe(entry.messageId);
      expect(entry.status).toBe('unmapped');
    }
  });

  test('keeps a given messageId and the payload exactly as received', () => {
    const raw = { messageId: 'm-1', type: 'page', userId: 'u1', extra: { nested: [1, 'two'] } };
    const entry = toLogEntry(raw);
    expect(entry.messageId).toBe('m-1');
    expect(entry.payload).toBe(JSON.stringify(raw));
  });

  test('an identify with only a top-level email says so in its note', () => {
    const entry = toLogEntry({ messageId: 'm-2', type: 'identify', userId: 'u2', email: 'top@example.org', traits: { name: 'Top' } });
    expect(entry.status).toBe('accepted');
    expect(entry.note).toBe(TOP_LEVEL_EMAIL_NOTE);
  });

  test('non-identify events never carry the top-level-email note', () => {
    const entry = toLogEntry({ type: 'track', userId: 'u2', event: 'X', email: 'top@example.org' });
    expect(entry.note).toBeNull();
  });

  test.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'not an event'],
    ['a boolean', false],
    ['an array', [1, 2, 3]],
    ['an empty object', {}],
    ['a null type', { type: null, userId: 'u1' }],
    ['an object type', { type: { nested: true }, userId: 'u1' }],
    ['deeply nested junk', { type: 'identify', traits: [[[{ a: null }]]] }],
  ])('never throws: %s becomes an invalid entry with an error', (_name, raw) => {
    let entry: ReturnType<typeof toLogEntry> | undefined;
    expect(() => {
      entry = toLogEntry(raw);
    }).not.toThrow();
    expect(entry).toBeDefined();
    expect(entry!.status).toBe('invalid');
    expect(typeof entry!.error).toBe('string');
    expect(entry!.error!.length).toBeGreaterThan(0);
    expect(entry!.messageId).toMatch(/^homing-/);
    expect(entry!.shard).toBeNull();
    expect(entry!.note).toBeNull();
    expect(() => JSON.parse(entry!.payload) as unknown).not.toThrow();
  });

  test('an invalid entry names the field in its error and keeps the ids it could read', () => {
    const entry = toLogEntry({ messageId: 'bad-1', type: 'track', userId: 'u9', anonymousId: 55 });
    expect(entry).toMatchObject({
      messageId: 'bad-1',
      type: 'track',
      event: null,
      userId: 'u9',
      anonymousId: '55',
      status: 'invalid',
      shard: null,
    });
    expect(entry.error).toMatch(/^event: /);
    expect(toLogEntry({ type: 'group', userId: 'u1' }).error).toMatch(/groupId/);
    expect(toLogEntry({ type: 'alias', userId: 'u1' }).error).toMatch(/previousId/);
    expect(toLogEntry({ type: 'identify' }).error).toMatch(/userId/);
    expect(toLogEntry({ type: 'page', userId: 'u1', timestamp: 'nope' }).error).toMatch(/timestamp/);
  });

  test('an event with an unknown type keeps that type in the entry; one without a type is "unknown"', () => {
    expect(toLogEntry({ type: 'purchase', userId: 'u1' })).toMatchObject({ type: 'purchase', status: 'invalid' });
    expect(toLogEntry({ userId: 'u1' })).toMatchObject({ type: 'unknown', status: 'invalid' });
    expect(toLogEntry({ userId: 'u1' }).error).toMatch(/type/);
  });
});

describe('stricter edges', () => {
  test('timestamps must be ISO-8601, not anything Date.parse accepts', () => {
    expect(invalid({ type: 'track', event: 'E', userId: 'u', timestamp: '1' })).toMatch(/timestamp: must be an ISO-8601 date/);
    expect(invalid({ type: 'track', event: 'E', userId: 'u', timestamp: 'Tue Nov 24 2026' })).toMatch(/timestamp/);
    expect(valid({ type: 'track', event: 'E', userId: 'u', timestamp: '2026-11-23T10:00:00+01:00' }).timestamp).toBe('2026-11-23T10:00:00+01:00');
  });

  test('an empty userId counts as absent, so an anonymousId suffices', () => {
    expect(valid({ type: 'identify', userId: '', anonymousId: 'a-1' }).userId).toBeUndefined();
    expect(toLogEntry({ type: 'identify', userId: '', anonymousId: 'a-1' })).toMatchObject({ status: 'accepted', userId: null, anonymousId: 'a-1' });
    expect(invalid({ type: 'identify', userId: ' ', anonymousId: '' })).toBe('userId: userId or anonymousId is required');
  });

  test('a non-object event is invalid with an error that says so', () => {
    expect(toLogEntry(42)).toMatchObject({ status: 'invalid', error: 'event must be a JSON object' });
    expect(toLogEntry(['identify'])).toMatchObject({ status: 'invalid', error: 'event must be a JSON object' });
  });
});

describe('what Postgres cannot store', () => {
  test('an event with U+0000 or a lone surrogate anywhere is invalid, naming the first path, with a storable payload', () => {
    const entry = toLogEntry({ messageId: 'm-nul', type: 'track', userId: 'u1', event: 'E', properties: { list: ['ok', { deep: 'x\u0000y' }], lone: '\udbff' } });
    expect(entry).toMatchObject({ messageId: 'm-nul', type: 'track', userId: 'u1', status: 'invalid', error: 'properties.list.1.deep contains U+0000, which cannot be stored', shard: null });
    expect(entry.payload).not.toMatch(/\\u0000|\\ud[89a-f]/i);
    expect(JSON.parse(entry.payload).properties).toEqual({ list: ['ok', { deep: 'x\ufffdy' }], lone: '\ufffd' });
    expect(toLogEntry({ type: 'identify', ['\ud800k']: 1, userId: 'u1' }).error).toBe('the event has a key that contains a lone surrogate (U+D800), which cannot be stored');
  });

  test('text that merely looks like an escape, and surrogate pairs, are stored as they are', () => {
    const raw = { messageId: 'm-text', type: 'track', userId: 'u1', event: 'E', properties: { text: '\\u0000 and \\ud800', emoji: '🚀' } };
    const entry = toLogEntry(raw);
    expect(entry.status).toBe('unmapped');
    expect(JSON.parse(entry.payload)).toEqual(raw);
  });

  test(`ids and names over ${MAX_ID_CHARS} characters are invalid, and left out of the indexed columns`, () => {
    const long = 'x'.repeat(MAX_ID_CHARS + 1);
    expect(invalid({ type: 'identify', userId: long })).toMatch(/^userId: .*512/);
    expect(invalid({ type: 'group', userId: 'u1', groupId: long })).toMatch(/^groupId: /);
    expect(invalid({ type: 'track', userId: 'u1', event: long })).toMatch(/^event: /);
    expect(invalid({ type: 'page', userId: 'u1', name: long })).toMatch(/^name: /);
    expect(valid({ type: 'identify', userId: 'x'.repeat(MAX_ID_CHARS) }).userId).toHaveLength(MAX_ID_CHARS);
    expect(toLogEntry({ messageId: 'm-long', type: long, userId: long, anonymousId: 'a1' })).toMatchObject({ messageId: 'm-long', type: 'unknown', userId: null, anonymousId: 'a1', status: 'invalid' });
    const longId = toLogEntry({ messageId: long, type: 'identify', userId: 'u1' });
    expect(longId).toMatchObject({ messageId: expect.stringMatching(/^homing-/), status: 'invalid', error: expect.stringMatching(/^messageId: /) });
    expect(JSON.parse(longId.payload).messageId).toBe(long);
  });
});

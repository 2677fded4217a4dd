import {
  audienceChange,
  contactOf,
  identifyTraits,
  mergeTraits,
  TOP_LEVEL_EMAIL_NOTE,
  withoutNulls,
  type Traits,
} from '../../src/ingest/traits';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('mergeTraits', () => {
  test('adds new keys and replaces scalars', () => {
    expect(mergeTraits({ name: 'Peter', plan: 'free', logins: 4 }, { plan: 'premium', logins: 5, age: 31 })).toEqual({
      name: 'Peter',
      plan: 'premium',
      logins: 5,
      age: 31,
    });
  });

  test('objects merge deeply, key by key', () => {
    const base = { address: { city: 'Austin', street: '6th St', geo: { lat: 30.2, lng: -97.7 } }, name: 'Peter' };
    const patch = { address: { city: 'San Francisco', geo: { lat: 37.7 }, postalCode: '94103' } };
    expect(mergeTraits(base, patch)).toEqual({
      address: { city: 'San Francisco', street: '6th St', geo: { lat: 37.7, lng: -97.7 }, postalCode: '94103' },
      name: 'Peter',
    });
  });

  test('arrays replace instead of merging or concatenating', () => {
    expect(mergeTraits({ tags: ['a', 'b', 'c'] }, { tags: ['z'] })).toEqual({ tags: ['z'] });
    expect(mergeTraits({ tags: ['a'] }, { tags: [] })).toEqual({ tags: [] });
  });

  test('an object replaces a scalar or array, and a scalar or array replaces an object', () => {
    expect(mergeTraits({ company: 'Initech' }, { company: { name: 'Initech', size: 300 } })).toEqual({
      company: { name: 'Initech', size: 300 },
    });
    expect(mergeTraits({ company: ['a'] }, { company: { name: 'Initech' } })).toEqual({ company: { name: 'Initech' } });
    expect(mergeTraits({ company: { name: 'Initech' } }, { company: 'Initrode' })).toEqual({ company: 'Initrode' });
    expect(mergeTraits({ company: { name: 'Initech' } }, { company: ['x'] })).toEqual({ company: ['x'] });
  });

  test('falsy scalars are values, not deletions', () => {
    expect(mergeTraits({ a: 1, b: 'x', c: true }, { a: 0, b: '', c: false })).toEqual({ a: 0, b: '', c: false });
  });

  test('null deletes the key at the top level', () => {
    const merged = mergeTraits({ email: 'a@example.com', phone: '+15550100' }, { phone: null });
    expect(merged).toEqual({ email: 'a@example.com' });
    expect(Object.prototype.hasOwnProperty.call(merged, 'phone')).toBe(false);
  });

  test('null deletes the key at any depth', () => {
    const base = { address: { city: 'Austin', street: '6th St', geo: { lat: 30.2, lng: -97.7 } } };
    expect(mergeTraits(base, { address: { street: null, geo: { lng: null } } })).toEqual({
      address: { city: 'Austin', geo: { lat: 30.2 } },
    });
    expect(mergeTraits(base, { address: null })).toEqual({});
  });

  test('null for a key that does not exist is a no-op', () => {
    expect(mergeTraits({ a: 1 }, { b: null })).toEqual({ a: 1 });
  });

  test('undefined in the patch leaves the key unchanged', () => {
    expect(mergeTraits({ a: 1 }, { a: undefined })).toEqual({ a: 1 });
  });

  test('does not mutate either input (frozen inputs do not throw)', () => {
    const base = deepFreeze({ a: { b: 1, c: { d: 2 } }, list: [1, 2], gone: 'x' });
    const patch = deepFreeze({ a: { c: { e: 3 }, f: null }, list: [3], gone: null });
    const baseCopy = structuredClone(base);
    const patchCopy = structuredClone(patch);
    const merged = mergeTraits(base, patch);
    expect(merged).toEqual({ a: { b: 1, c: { d: 2, e: 3 } }, list: [3] });
    expect(base).toEqual(baseCopy);
    expect(patch).toEqual(patchCopy);
    expect(merged).not.toBe(base);
    expect(merged.a).not.toBe(base.a);
  });

  test('a patch nested under a missing key drops its nulls', () => {
    expect(mergeTraits({}, { prefs: { email: true, sms: null } })).toEqual({ prefs: { email: true } });
  });

  test('a "__proto__" trait does not pollute Object.prototype', () => {
    mergeTraits({}, JSON.parse('{"__proto__": {"polluted": true}}') as Traits);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('withoutNulls', () => {
  test('removes nulls at every object depth and keeps everything else', () => {
    expect(
      withoutNulls({ a: null, b: 0, c: '', d: false, e: { f: null, g: { h: null, i: 1 } }, list: [1, 2] }),
    ).toEqual({ b: 0, c: '', d: false, e: { g: { i: 1 } }, list: [1, 2] });
  });

  test('returns a new object and leaves the input alone', () => {
    const input = deepFreeze({ a: null, b: { c: null, d: 1 } });
    const out = withoutNulls(input);
    expect(out).toEqual({ b: { d: 1 } });
    expect(input).toEqual({ a: null, b: { c: null, d: 1 } });
    expect(out).not.toBe(input);
  });

  test('an object of only nulls becomes empty', () => {
    expect(withoutNulls({ a: null, b: null })).toEqual({});
  });
});

describe('contactOf', () => {
  test('reads email, trimmed', () => {
    expect(contactOf({ email: '  peter@example.com ' })).toEqual({ email: 'peter@example.com', phone: undefined, tokens: {} });
  });

  test('ignores a blank or non-string email', () => {
    expect(contactOf({ email: '   ' }).email).toBeUndefined();
    expect(contactOf({ email: 42 }).email).toBeUndefined();
    expect(contactOf({ email: { address: 'a@example.com' } }).email).toBeUndefined();
  });

  test('phone comes from phone, then phone_number, then sms', () => {
    expect(contactOf({ phone: '+15550001', phone_number: '+15550002', sms: '+15550003' }).phone).toBe('+15550001');
    expect(contactOf({ phone_number: '+15550002', sms: '+15550003' }).phone).toBe('+15550002');
    expect(contactOf({ sms: '+15550003' }).phone).toBe('+15550003');
  });

  test('a blank or non-string phone falls through to the next key', () => {
    expect(contactOf({ phone: '  ', phone_number: '+15550002' }).phone).toBe('+15550002');
    expect(contactOf({ phone: 15550001, sms: ' +15550003 ' }).phone).toBe('+15550003');
    expect(contactOf({ phone: '', phone_number: null, sms: '' }).phone).toBeUndefined();
  });

  test('tokens are read from traits.tokens, {} otherwise', () => {
    expect(contactOf({ tokens: { apns: 'abc', fcm: 'def' } }).tokens).toEqual({ apns: 'abc', fcm: 'def' });
    expect(contactOf({ tokens: 'abc' }).tokens).toEqual({});
    expect(contactOf({ tokens: ['abc'] }).tokens).toEqual({});
    expect(contactOf({}).tokens).toEqual({});
  });

  test('a profile with every contact field', () => {
    expect(
      contactOf({ name: 'Peter', email: 'peter@example.com', phone_number: '+15550002', tokens: { fcm: 'tok' } }),
    ).toEqual({ email: 'peter@example.com', phone: '+15550002', tokens: { fcm: 'tok' } });
  });

  test('an empty profile has no address', () => {
    expect(contactOf({})).toEqual({ email: undefined, phone: undefined, tokens: {} });
  });
});

describe('identifyTraits', () => {
  test('uses the top-level email when traits.email is absent, with the note', () => {
    const event = { traits: { name: 'Rod' }, email: 'rod@example.org' };
    expect(identifyTraits(event)).toEqual({ traits: { name: 'Rod', email: 'rod@example.org' }, note: TOP_LEVEL_EMAIL_NOTE });
    expect(event.traits).toEqual({ name: 'Rod' });
  });

  test('uses the top-level email when there are no traits at all', () => {
    expect(identifyTraits({ email: 'rod@example.org' })).toEqual({ traits: { email: 'rod@example.org' }, note: TOP_LEVEL_EMAIL_NOTE });
    expect(identifyTraits({ traits: null, email: 'rod@example.org' })).toEqual({
      traits: { email: 'rod@example.org' },
      note: TOP_LEVEL_EMAIL_NOTE,
    });
  });

  test('traits.email wins over the top-level email, without a note', () => {
    const result = identifyTraits({ traits: { email: 'traits@example.org' }, email: 'top@example.org' });
    expect(result).toEqual({ traits: { email: 'traits@example.org' } });
    expect(result.note).toBeUndefined();
  });

  test('traits.email: null (a deletion) is not overridden by the top-level email', () => {
    expect(identifyTraits({ traits: { email: null }, email: 'top@example.org' })).toEqual({ traits: { email: null } });
  });

  test('no top-level email, or an empty one: traits as they are, no note', () => {
    expect(identifyTraits({ traits: { plan: 'pro' } })).toEqual({ traits: { plan: 'pro' } });
    expect(identifyTraits({ traits: { plan: 'pro' }, email: '' })).toEqual({ traits: { plan: 'pro' } });
    expect(identifyTraits({ traits: { plan: 'pro' }, email: null })).toEqual({ traits: { plan: 'pro' } });
    expect(identifyTraits({})).toEqual({ traits: {} });
  });
});

describe('audienceChange', () => {
  const engage = (traits: Traits, personas: Traits = {}) => ({
    type: 'identify',
    userId: 'u1',
    traits,
    context: {
      personas: {
        computation_class: 'audience',
        computation_id: 'aud_2KPsJ1Yzn9wW4f0VUm5HcQNgZ2B',
        computation_key: 'high_value_users',
        namespace: 'spa_w5akf8r1E4s6ZsBGpb9JrK',
        space_id: 'spa_w5akf8r1E4s6ZsBGpb9JrK',
        ...personas,
      },
    },
  });

  test('entry: the computation_key trait is true', () => {
    expect(audienceChange(engage({ high_value_users: true }))).toEqual({ audience: 'high_value_users', member: true });
  });

  test('exit: the computation_key trait is false', () => {
    expect(audienceChange(engage({ high_value_users: false }))).toEqual({ audience: 'high_value_users', member: false });
  });

  test('other traits on the same identify do not matter', () => {
    expect(audienceChange(engage({ email: 'a@example.com', high_value_users: true, other_audience: false }))).toEqual({
      audience: 'high_value_users',
      member: true,
    });
  });

  test('ignored when computation_class is not "audience" (e.g. a computed trait)', () => {
    expect(audienceChange(engage({ high_value_users: true }, { computation_class: 'trait' }))).toBeUndefined();
    expect(audienceChange(engage({ high_value_users: true }, { computation_class: undefined }))).toBeUndefined();
  });

  test('ignored without context.personas, or without a usable computation_key', () => {
    expect(audienceChange({ traits: { high_value_users: true } })).toBeUndefined();
    expect(audienceChange({ traits: { high_value_users: true }, context: null })).toBeUndefined();
    expect(audienceChange({ traits: { high_value_users: true }, context: { personas: 'audience' } })).toBeUndefined();
    expect(audienceChange(engage({ high_value_users: true }, { computation_key: '' }))).toBeUndefined();
    expect(audienceChange(engage({ high_value_users: true }, { computation_key: 7 }))).toBeUndefined();
  });

  test('ignored when the trait is missing or not a boolean', () => {
    expect(audienceChange(engage({}))).toBeUndefined();
    expect(audienceChange(engage({ high_value_users: 'true' }))).toBeUndefined();
    expect(audienceChange(engage({ high_value_users: 1 }))).toBeUndefined();
    expect(audienceChange(engage({ high_value_users: null }))).toBeUndefined();
    expect(audienceChange({ ...engage({}), traits: null })).toBeUndefined();
  });
});

describe('hostile trait names', () => {
  test('a trait named __proto__ is stored as a trait, not as the prototype', () => {
    const merged = mergeTraits({}, JSON.parse('{"__proto__":{"email":"x@evil"}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"email":"x@evil"}}');
    expect(contactOf(merged).email).toBeUndefined();
  });
});

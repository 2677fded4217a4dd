import { createPool } from '../../src/db/pool';
import { loadConfig } from '../../src/config';
import { DEFAULT_POOL_SIZES, poolSizeFor } from '../../src/services';

const SECRETS = { HOMING_API_KEY: 'api-key', HOMING_ADMIN_TOKEN: 'admin-token', TRACKING_SECRET: 'tracking-secret' };

describe('database pool size', () => {
  it('the pool holds at most the size it was given', async () => {
    const pool = createPool('postgres://nobody@127.0.0.1:1/none', 7);
    expect(pool.options.max).toBe(7);
    await pool.end();
  });

  it('defaults by process kind: api and worker hold a small pool each, start one for both', () => {
    const config = loadConfig(SECRETS);
    expect(config.databasePoolSize).toBeUndefined();
    expect(poolSizeFor(config, 'api')).toBe(DEFAULT_POOL_SIZES.api);
    expect(poolSizeFor(config, 'worker')).toBe(DEFAULT_POOL_SIZES.worker);
    expect(poolSizeFor(config, 'start')).toBe(DEFAULT_POOL_SIZES.start);
    expect(DEFAULT_POOL_SIZES).toEqual({ api: 10, worker: 10, start: 15 });
  });

  it('DATABASE_POOL_SIZE sets it for every kind', () => {
    const config = loadConfig({ ...SECRETS, DATABASE_POOL_SIZE: '4' });
    expect(config.databasePoolSize).toBe(4);
    for (const kind of ['api', 'worker', 'start'] as const) expect(poolSizeFor(config, kind)).toBe(4);
  });
});

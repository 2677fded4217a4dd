import { ConfigError, DEFAULT_WORKFLOW_CACHE_SIZE, loadConfig } from '../../src/config';

const SECRETS = { HOMING_API_KEY: 'api-key', HOMING_ADMIN_TOKEN: 'admin-token', TRACKING_SECRET: 'tracking-secret' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

describe('HOMING_WORKFLOW_CACHE_SIZE', () => {
  it('defaults to a cache whose parked runs fit a few hundred MiB, far below the SDK default of thousands', () => {
    expect(loadConfig(SECRETS).workflowCacheSize).toBe(DEFAULT_WORKFLOW_CACHE_SIZE);
    expect(DEFAULT_WORKFLOW_CACHE_SIZE).toBe(250);
  });

  it.each([
    ['0', 0],
    ['2', 2],
    ['2310', 2310],
  ])('takes %s', (value, expected) => {
    expect(loadConfig({ ...SECRETS, HOMING_WORKFLOW_CACHE_SIZE: value }).workflowCacheSize).toBe(expected);
  });

  it.each(['1', '-5', 'lots', '1.5', '100001'])('refuses %s, naming what it takes', (value) => {
    expect(problemsOf({ ...SECRETS, HOMING_WORKFLOW_CACHE_SIZE: value })).toEqual(['HOMING_WORKFLOW_CACHE_SIZE: must be 0 or a whole number of workflows from 2 to 100000']);
  });
});

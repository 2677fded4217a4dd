import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { createDatabase } from '../../src/db/create-database';
import { freePort } from '../../src/embedded/ports';
import { tempDir } from '../helpers/servers';
import { CLI, startCliProcess, type CliProcess } from '../helpers/cli';

/**
 * `homing start` with Postgres and Temporal both external (the suite's) and a
 * data dir that does not exist yet: it has nothing to create there but its
 * lock and runtime.json, and must create the dir for them.
 */
const root = tempDir('homing-external-');
const dataDir = path.join(root, 'not', 'yet', 'there');
let env: NodeJS.ProcessEnv;
let cli: CliProcess | undefined;

beforeAll(async () => {
  const suffix = crypto.randomBytes(4).toString('hex');
  env = {
    ...process.env,
    HOMING_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    DATABASE_URL: await createDatabase(process.env.HOMING_TEST_DATABASE_URL!, `homing_external_${suffix}`),
    TEMPORAL_ADDRESS: process.env.HOMING_TEST_TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: `homing-external-${suffix}`,
    // Every secret given: nothing is generated into the data dir before start creates it.
    HOMING_API_KEY: 'external-key',
    HOMING_ADMIN_TOKEN: 'external-admin',
    TRACKING_SECRET: 'external-tracking',
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGKILL');
    await once(cli.child, 'exit');
  }
  fs.rmSync(root, { recursive: true, force: true });
});

it('homing start with external Postgres and Temporal creates a missing data dir, records runtime.json for doctor, and stops cleanly', async () => {
  expect(fs.existsSync(dataDir)).toBe(false);
  cli = startCliProcess(env);
  const { url } = await cli.banner();
  expect((await fetch(`${url}/healthz`)).status).toBe(200);

  const runtime = path.join(dataDir, 'runtime.json');
  expect(fs.statSync(runtime).mode & 0o777).toBe(0o600);
  expect(JSON.parse(fs.readFileSync(runtime, 'utf8'))).toMatchObject({ pid: cli.child.pid, apiUrl: url, temporalAddress: env.TEMPORAL_ADDRESS });

  const doctor = spawnSync(process.execPath, [CLI, 'doctor'], { env, encoding: 'utf8', timeout: 30_000 });
  expect(doctor.stdout).toMatch(/^ok\s+temporal\s+reachable at /m);
  expect(doctor.stdout).toMatch(/^ok\s+api\s+/m);
  expect(doctor.status).toBe(0);

  const exited = once(cli.child, 'exit');
  cli.child.kill('SIGINT');
  const [code] = await exited;
  expect(code).toBe(0);
  expect(cli.output).toContain('Homing stopped.');
  expect(cli.output).not.toContain('ENOENT');
});

import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../src/embedded/ports';
import { basic, eventually, post } from '../helpers/homing';
import { temporalCli, tempDir } from '../helpers/servers';
import { CLI, startCliProcess, type Banner, type CliProcess } from '../helpers/cli';

/**
 * `homing start` as a user runs it (the compiled CLI that `npm start` runs):
 * embedded Postgres and Temporal in a fresh data dir, Ctrl-C, and a restart
 * that keeps everything.
 */
const dataDir = tempDir('homing-e2e-');
let port: number;
let child: ChildProcess | undefined;
let cli: CliProcess;

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // The CLI found by the test helpers, so the e2e run does not provision a second copy.
  return { ...process.env, HOMING_DATA_DIR: dataDir, PORT: String(port), TEMPORAL_CLI_PATH: temporalCli(), LOG_LEVEL: 'warn', ...extra };
}

async function startCli(): Promise<Banner> {
  cli = startCliProcess(env());
  child = cli.child;
  return cli.banner();
}

function stopCli(): Promise<number | null> {
  return new Promise((resolve) => {
    child!.once('exit', (code) => resolve(code));
    child!.kill('SIGINT');
  });
}

beforeAll(async () => {
  port = await freePort();
});
afterAll(async () => {
  if (child && child.exitCode === null) await stopCli();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('starts on embedded defaults, stops cleanly on Ctrl-C, and keeps events, profiles and workflows across a restart', async () => {
  const first = await startCli();
  expect(first.url).toBe(`http://localhost:${port}`);
  expect(cli.output).toContain(`Segment destination endpoint  http://localhost:${port}/segment`);
  expect(cli.output).toMatch(/Temporal UI\s+http:\/\/localhost:\d+/);
  expect(first.apiKey.length).toBeGreaterThan(20);

  const identify =
    '{"messageId":"segment-test-message-iskh4123","timestamp":"2024-05-21T18:00:18.913Z","type":"identify","email":"test@example.org","traits":{"trait1":2,"email":"test@example.org"},"userId":"rod-test"}';
  expect((await post(`${first.url}/segment`, identify, { authorization: basic(first.apiKey) })).status).toBe(200);
  const admin = { headers: { authorization: `Bearer ${first.adminToken}` } };
  const profile = await eventually(async () => {
    const res = await fetch(`${first.url}/api/profiles/rod-test`, admin);
    return res.status === 200 ? ((await res.json()) as { contact: { email: string } }) : undefined;
  }, 30_000);
  expect(profile.contact.email).toBe('test@example.org');

  const doctor = spawnSync(process.execPath, [CLI, 'doctor'], { env: env(), encoding: 'utf8' });
  expect(doctor.stdout).toMatch(/^ok\s+postgres\s+reachable/m);
  expect(doctor.stdout).toMatch(/^ok\s+temporal\s+reachable/m);
  expect(doctor.stdout).toMatch(/^ok\s+api\s+/m);
  expect(doctor.status).toBe(0);

  expect(await stopCli()).toBe(0);
  // Nothing left behind: the embedded servers stopped with it.
  const runtime = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8'));
  await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();

  const second = await startCli();
  // Same generated secrets, same data.
  expect(second.apiKey).toBe(first.apiKey);
  const again = await fetch(`${second.url}/api/profiles/rod-test`, { headers: { authorization: `Bearer ${second.adminToken}` } });
  expect(((await again.json()) as { traits: unknown }).traits).toEqual({ trait1: 2, email: 'test@example.org' });
  const events = (await (await fetch(`${second.url}/api/events?userId=rod-test`, admin)).json()) as { events: Array<{ messageId: string }> };
  expect(events.events.map((e: { messageId: string }) => e.messageId)).toEqual(['segment-test-message-iskh4123']);
  // The shard workflow that applied it is still in Temporal's history.
  const now = JSON.parse(fs.readFileSync(path.join(dataDir, 'runtime.json'), 'utf8'));
  const connection = await Connection.connect({ address: now.temporalAddress });
  try {
    const ids: string[] = [];
    for await (const wf of new Client({ connection }).workflow.list({ query: 'WorkflowType = "profileShard"' })) ids.push(wf.workflowId);
    expect(ids.length).toBeGreaterThan(0);
  } finally {
    await connection.close();
  }
  expect(now.pid).not.toBe(runtime.pid);
  expect(await stopCli()).toBe(0);
}, 300_000);

it('refuses invalid configuration with one line per problem', () => {
  const res = spawnSync(process.execPath, [CLI, 'start'], { env: env({ PORT: 'eighty', EMAIL_PROVIDER: 'pigeon' }), encoding: 'utf8' });
  expect(res.status).toBe(1);
  const lines = res.stderr.trim().split('\n');
  expect(lines[0]).toBe('homing: invalid configuration');
  expect(lines.slice(1)).toEqual([expect.stringMatching(/^\s+PORT: /), expect.stringMatching(/^\s+EMAIL_PROVIDER: /)]);
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '../../src/logger';
import { replayHistories } from '../../src/temporal/replay';
import { installTemporalLogging } from '../../src/temporal/runtime';
import { packageRoot } from '../../src/version';
import { API_KEY, basic, eventually, post, startHoming, type TestHoming } from '../helpers/homing';
import { temporalCli, tempDir } from '../helpers/servers';

/**
 * The determinism guard: the histories in test/histories (captured from real
 * runs by test/capture/) must replay against the current workflows, and a
 * change made without patched() must fail replay, naming the run and event.
 */
const root = packageRoot();
const HISTORIES = path.join(root, 'test', 'histories');
const CLI = path.join(root, 'dist', 'src', 'cli.js');
const fixture = (name: string) => path.join(root, 'test', 'fixtures', name);
const bundle = { codePath: process.env.HOMING_TEST_WORKFLOW_BUNDLE! };

// Before the first replay worker, as startHoming would: keeps the SDK's bundler and worker chatter out of the test output.
beforeAll(() => installTemporalLogging(createLogger(process.env.HOMING_TEST_LOG_LEVEL ?? 'silent')));

// The CLI runs in an empty directory with an empty data dir: no .env, no runtime.json of a running Homing.
const scratch = tempDir('homing-replay-');
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, [CLI, 'replay', ...args], {
    cwd: scratch,
    env: { ...process.env, HOMING_DATA_DIR: path.join(scratch, 'data'), ...env },
    encoding: 'utf8',
    // A replay that never ends is a failure too.
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('the committed histories', () => {
  const files = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

  it('cover every email-then-sms path, single-send and the long-lived workflows', () => {
    // At least these; histories kept from before a patched() change sit beside them.
    expect(files).toEqual(
      expect.arrayContaining([
        'email-then-sms-opened.json',
        'email-then-sms-opened-early.json',
        'email-then-sms-sms-clicked.json',
        'email-then-sms-ignored.json',
        'email-then-sms-canceled.json',
        'single-send-sent.json',
        'profile-shard-running.json',
        'outcome-export-running.json',
        // Runs started before automations were definitions (workflow types emailThenSms, singleSend).
        'email-then-sms-ignored.before-definitions.json',
        'single-send-sent.before-definitions.json',
      ]),
    );
  });

  it('replay cleanly against the current workflows', async () => {
    const seen: string[] = [];
    const summary = await replayHistories({ source: { files: [HISTORIES] }, workflowBundle: bundle, onProgress: (o) => seen.push(o.workflowId) });
    expect(summary.failed).toEqual([]);
    expect(summary).toMatchObject({ total: files.length, passed: files.length });
    expect(seen).toHaveLength(files.length);
  });

  it('fail against a change made without patched(), naming the run and the event', async () => {
    const summary = await replayHistories({ source: { files: [HISTORIES] }, workflowsPath: fixture('unpatched-workflows') });
    const emailThenSms = files.filter((f) => f.startsWith('email-then-sms-'));
    expect(summary.failed.map((f) => path.basename(f.file!)).sort()).toEqual(emailThenSms.sort());
    for (const failure of summary.failed) {
      expect(failure).toMatchObject({
        workflowType: expect.stringMatching(/^(emailThenSms|email-then-sms)$/),
        workflowId: expect.stringMatching(/:run:trial:/),
        nondeterministic: true,
        // The new pause's timer where the history has the email's send: a local activity's marker, or in runs
        // started before sends were local activities, the scheduled activity.
        event: { id: 5, type: failure.file!.endsWith('.activity-sends.json') ? 'ACTIVITY_TASK_SCHEDULED' : 'MARKER_RECORDED' },
        error: expect.stringContaining('Nondeterminism'),
      });
    }
    // The other workflows did not change.
    expect(summary.passed).toBe(files.length - emailThenSms.length);
  }, 120_000);

  it('replay against the same change made behind patched()', async () => {
    const summary = await replayHistories({ source: { files: [HISTORIES] }, workflowsPath: fixture('patched-workflows') });
    expect(summary.failed).toEqual([]);
    expect(summary.passed).toBe(files.length);
  }, 120_000);
});

describe("a user automation's histories (HOMING_AUTOMATIONS)", () => {
  const automations = fixture('automations');
  const histories = path.join(automations, 'histories');

  it('replay against the definitions HOMING_AUTOMATIONS loads: events, an exit, a local-time wait, profile reads', () => {
    const res = cli([histories], { HOMING_AUTOMATIONS: automations });
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^4 replayed: 4 passed, 0 failed$/m);
    expect(res.stdout).toContain('(trial-goal, ');
    expect(res.stdout).toContain('(plan-nudge, ');
  }, 120_000);

  it('fail without it, saying the automation is not in the bundle', () => {
    const res = cli([path.join(histories, 'plan-nudge-sent.json')], { HOMING_AUTOMATIONS: '' });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain("automation plan-nudge is not in this worker's bundle");
  }, 120_000);
});

describe('homing replay', () => {
  it('replays files and directories: one line per history, a summary, exit 0', () => {
    const res = cli([HISTORIES]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const n = fs.readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).length;
    expect(res.stdout.split('\n').filter((l) => l.startsWith('✓ '))).toHaveLength(n);
    expect(res.stdout).toMatch(new RegExp(`^${n} replayed: ${n} passed, 0 failed$`, 'm'));
  }, 120_000);

  it('exits 1 on nondeterminism, naming the workflow id and the event', () => {
    const res = cli([path.join(HISTORIES, 'email-then-sms-opened.json'), '--workflows', fixture('unpatched-workflows')]);
    expect(res.status).toBe(1);
    const workflowId = JSON.parse(fs.readFileSync(path.join(HISTORIES, 'email-then-sms-opened.json'), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowId;
    const failure = res.stdout.split('\n').find((l) => l.startsWith('✗ '));
    expect(failure).toContain(workflowId);
    expect(failure).toContain('nondeterminism at event 5 MARKER_RECORDED');
    expect(failure).toContain('[TMPRL1100]');
    expect(res.stdout).toMatch(/^1 replayed: 0 passed, 1 failed$/m);
  }, 120_000);

  it('exits 1, and does not hang, when the workflows do not bundle', () => {
    const res = cli([HISTORIES, '--workflows', path.join(root, 'test', 'fixtures', 'no-such-workflows')]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^homing replay: the workflows at .*no-such-workflows do not bundle/);
  }, 60_000);

  it('exits 2 on bad usage', () => {
    const unknown = cli(['--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^homing replay: Unknown option '--bogus'/);
    expect(cli([HISTORIES, '--type', 'emailThenSms']).status).toBe(2);
    expect(cli(['--since', 'yesterday']).stderr).toMatch(/--since "yesterday": expected an ISO date/);
    const noServer = cli([]);
    expect(noServer.status).toBe(2);
    expect(noServer.stderr).toMatch(/set TEMPORAL_ADDRESS/);
  }, 60_000);
});

describe('homing replay against the Temporal server', () => {
  let homing: TestHoming;
  let connection: Connection;
  let workflowId: string;

  beforeAll(async () => {
    homing = await startHoming();
    connection = await Connection.connect({ address: process.env.HOMING_TEST_TEMPORAL_ADDRESS! });
    const template = { id: 'hi', name: 'Hi', channel: 'email', content: { subject: 'Hi', text: 'Hi {{ profile.name }}' } };
    expect((await homing.admin('/api/templates', { method: 'POST', body: template })).status).toBe(201);
    expect((await homing.admin('/api/templates/hi/publish', { method: 'POST', body: {} })).status).toBe(200);
    const mapping = { id: 'hi', name: 'Hi', status: 'published', trigger: { type: 'track', event: 'Signed Up' }, automation: 'single-send', params: { channel: 'email', template: 'hi' } };
    expect((await homing.admin('/api/mappings', { method: 'POST', body: mapping })).status).toBe(201);
    const events = [
      { type: 'identify', userId: 'rae', traits: { name: 'Rae', email: 'rae@example.com' }, messageId: 'rae-identify' },
      { type: 'track', userId: 'rae', event: 'Signed Up', messageId: 'rae-signed-up' },
    ];
    expect((await post(`${homing.url}/segment`, JSON.stringify(events), { authorization: basic(API_KEY) })).status).toBe(200);
    // Recorded (pending) first, then started in Temporal: wait for the start.
    const run = await eventually(async () => (await homing.admin('/api/runs?userId=rae')).body.runs.find((r: { status: string }) => r.status !== 'pending'), 20_000, "Rae's run started");
    workflowId = run.id;
    await new Client({ connection }).workflow.getHandle(workflowId).result();
  }, 120_000);

  afterAll(async () => {
    await connection?.close();
    await homing?.stop();
  });

  it('fetches closed runs of Homing task queue, filtered by type and time', () => {
    const env = { TEMPORAL_ADDRESS: process.env.HOMING_TEST_TEMPORAL_ADDRESS!, TEMPORAL_TASK_QUEUE: homing.config.temporal.taskQueue };
    const res = cli(['--type', 'single-send', '--type', 'email-then-sms', '--since', '10m', '--limit', '5'], env);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`✓ ${workflowId} (single-send, `);
    expect(res.stdout).toMatch(/^1 replayed: 1 passed, 0 failed$/m);
    // Nothing closed in the future.
    const none = cli(['--since', new Date(Date.now() + 3_600_000).toISOString()], env);
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/^0 replayed: 0 passed, 0 failed \(no histories found\)$/m);
  }, 120_000);

  it('reads histories as the Temporal CLI exports them', async () => {
    const show = spawnSync(temporalCli(), ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', process.env.HOMING_TEST_TEMPORAL_ADDRESS!], { encoding: 'utf8' });
    expect(show.status).toBe(0);
    const file = path.join(scratch, 'single-send.json');
    fs.writeFileSync(file, show.stdout);
    const summary = await replayHistories({ source: { files: [file] }, workflowBundle: bundle });
    expect(summary).toMatchObject({ total: 1, passed: 1, failed: [] });
  }, 60_000);
});

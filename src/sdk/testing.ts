/**
 * `homing/testing`: an automation's tests in a few lines. Runs go through the
 * real workflow code on Temporal's time-skipping test server (a 3-day wait
 * takes milliseconds), with in-memory sends and reads instead of Postgres and
 * providers, a clock the test moves, and opens, clicks and events it injects.
 *
 *   const kit = await startAutomationTests({ automations: require.resolve('./retention') });
 *   const run = await kit.start(retention, { recipient: { traits: { plan: 'pro' } } });
 *   await run.sent('email');
 *   await kit.skip('3d');
 *   expect(await run.result()).toEqual({ outcome: 'ignored' });
 */
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import { provisionTemporalBinary } from '../embedded/temporal-binaries';
import { findAutomation, paramsSchema } from '../automations/catalog';
import { setUpAutomations } from '../automations/user-automations';
import { workflowSource } from '../temporal/workflow-source';
import { installTemporalLogging } from '../temporal/runtime';
import { createLogger } from '../logger';
import { engagementSignal, runEventSignal } from '../../workflows/signals';
import type { Channel, RunInput, SendOutcome, SendRequest } from '../../workflows/types';
import type { Automation, Duration, RecipientProfile, RunOutcome, TriggerEvent } from './automation';

export interface TestRecipient {
  userId?: string;
  traits?: Record<string, unknown>;
  audiences?: string[];
  groups?: RecipientProfile['groups'];
  /** Default: the `timezone` trait, else UTC. */
  timezone?: string;
  /** Channels the recipient has no address for: sends on them end `undeliverable` (no-contact) after their contact wait. */
  noAddressFor?: Channel[];
}

/** A message a run sent, with the (skipped) time it was sent at. */
export interface TestSend {
  step: string;
  channel: Channel;
  /** The template id its slot named. */
  template: string;
  messageId: string;
  at: Date;
}

const TASK_QUEUE = 'homing-automation-tests';

/** One run under test. */
export class TestRun {
  readonly sends: TestSend[] = [];
  private seq = 0;

  constructor(
    private readonly kit: AutomationTests,
    readonly id: string,
    readonly recipient: RecipientProfile,
    readonly trigger: TriggerEvent,
    readonly noAddressFor: readonly Channel[],
  ) {}

  /** Waits (in real time, the clock held) until the run has sent message `step`. */
  async sent(step: string, timeoutMs = 15_000): Promise<TestSend> {
    for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
      const send = this.sends.find((s) => s.step === step);
      if (send) return send;
    }
    throw new Error(`run ${this.id} sent no message "${step}" within ${timeoutMs} ms (sent: ${this.sends.map((s) => s.step).join(', ') || 'nothing'})`);
  }

  open(step: string): Promise<void> {
    return this.engage(step, 'opened');
  }

  click(step: string): Promise<void> {
    return this.engage(step, 'clicked');
  }

  /** A track event of the recipient, as ingest routes it to the run (only declared events reach it in production). */
  async event(name: string, properties: Record<string, unknown> = {}): Promise<void> {
    const seq = ++this.seq;
    await this.kit.handle(this.id).signal(runEventSignal, { name, properties, messageId: `${this.id}/event-${seq}`, seq, timestamp: (await this.kit.now()).toISOString() });
  }

  /** Lets the clock run until the run ends; its outcome. */
  result(): Promise<RunOutcome> {
    return this.kit.handle(this.id).result() as Promise<RunOutcome>;
  }

  private async engage(step: string, kind: 'opened' | 'clicked'): Promise<void> {
    const send = this.sends.find((s) => s.step === step);
    if (!send) throw new Error(`run ${this.id} has not sent "${step}"`);
    await this.kit.handle(this.id).signal(engagementSignal, { messageId: send.messageId, kind });
  }
}

export class AutomationTests {
  private readonly runs = new Map<string, TestRun>();
  private count = 0;
  private stopWorker = async () => undefined;

  constructor(private readonly env: TestWorkflowEnvironment) {}

  /** @internal Runs the kit's worker until close(). */
  serve(worker: Worker): void {
    const running = worker.run();
    this.stopWorker = async () => {
      worker.shutdown();
      await running;
    };
  }

  /** Starts a run of `automation`; template slots name templates by their slot unless `params` says otherwise. */
  async start(automation: Automation, opts: { params?: Record<string, unknown>; recipient?: TestRecipient; trigger?: Partial<TriggerEvent> } = {}): Promise<TestRun> {
    if (!findAutomation(automation.id)) {
      throw new Error(`automation "${automation.id}" is not one this kit bundled: pass its file in startAutomationTests({ automations })`);
    }
    const slots = Object.fromEntries(Object.keys(automation.templates).map((slot) => [slot, slot]));
    const params = paramsSchema(automation).parse({ ...slots, ...opts.params }) as Record<string, unknown>;
    const id = `test-run-${++this.count}`;
    const r = opts.recipient ?? {};
    const traits = r.traits ?? {};
    const recipient: RecipientProfile = {
      userId: r.userId ?? 'test-user',
      traits,
      ...(typeof traits.email === 'string' ? { email: traits.email } : {}),
      ...(typeof traits.phone === 'string' ? { phone: traits.phone } : {}),
      audiences: r.audiences ?? [],
      groups: r.groups ?? [],
      timezone: r.timezone ?? (typeof traits.timezone === 'string' ? traits.timezone : 'UTC'),
    };
    const trigger: TriggerEvent = { type: 'track', properties: {}, messageId: `${id}/trigger`, ...opts.trigger };
    const run = new TestRun(this, id, recipient, trigger, r.noAddressFor ?? []);
    this.runs.set(id, run);
    const templates = Object.fromEntries(Object.keys(automation.templates).map((slot) => [slot, { id: String(params[slot]), version: 1 }]));
    const input: RunInput<Record<string, unknown>> = { runId: id, userId: recipient.userId, automation: automation.id, params, templates, localActivities: true };
    await this.env.client.workflow.start(automation.id, { taskQueue: TASK_QUEUE, workflowId: id, args: [input] });
    return run;
  }

  /** Moves the clock on (timers that fall due fire). */
  skip(duration: Duration): Promise<void> {
    return this.env.sleep(typeof duration === 'number' ? duration : msToNumber(duration as `${number}d`));
  }

  async now(): Promise<Date> {
    return new Date(await this.env.currentTimeMs());
  }

  /** @internal */
  handle(id: string) {
    return this.env.client.workflow.getHandle(id);
  }

  /** The in-memory stand-ins of the worker's activities. */
  activities(): Pick<Activities, 'sendMessage' | 'closeRun' | 'runProfile' | 'runTrigger'> {
    const runOf = (id: string) => {
      const run = this.runs.get(id);
      if (!run) throw new Error(`unknown test run ${id}`);
      return run;
    };
    return {
      sendMessage: async (req: SendRequest): Promise<SendOutcome> => {
        const run = runOf(req.runId);
        const messageId = `${req.runId}/${req.step}`;
        if (run.noAddressFor.includes(req.channel)) return req.finalContactCheck ? { status: 'undeliverable', reason: 'no-contact' } : { status: 'no-contact', messageId };
        if (!run.sends.some((s) => s.step === req.step)) run.sends.push({ step: req.step, channel: req.channel, template: req.template.id, messageId, at: await this.now() });
        return { status: 'sent', messageId };
      },
      closeRun: async () => undefined,
      runProfile: async (runId: string) => runOf(runId).recipient,
      runTrigger: async (runId: string) => runOf(runId).trigger,
    };
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.env.teardown();
  }
}

/**
 * Starts the time-skipping test server (provisioned like `homing start`
 * provisions Temporal's CLI, or TEMPORAL_TEST_SERVER_PATH) and a worker with
 * the built-in automations and those in `automations` (files or a folder, as
 * HOMING_AUTOMATIONS takes them).
 */
export async function startAutomationTests(opts: { automations?: string } = {}): Promise<AutomationTests> {
  const files = setUpAutomations(opts.automations === undefined ? undefined : path.resolve(opts.automations));
  // The SDK's errors only: its chatter (and a warning per run a test makes fail) would bury the test's output.
  installTemporalLogging(createLogger('error'), 'ERROR');
  const toolsDir = path.resolve(process.env.HOMING_DATA_DIR ?? '.homing', 'tools');
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: provisionTemporalBinary('temporal-test-server', toolsDir) } },
  });
  const kit = new AutomationTests(env);
  const source = workflowSource(files);
  try {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: source.workflowsPath,
      bundlerOptions: source.bundlerOptions,
      activities: kit.activities(),
    });
    kit.serve(worker);
    return kit;
  } catch (err) {
    await env.teardown();
    throw err;
  } finally {
    source.done();
  }
}

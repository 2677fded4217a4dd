import fs from 'node:fs';
import path from 'node:path';
import { runningInstance } from '../runtime-info';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { msToNumber } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, ReplayError, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { lazyClient } from './connection';
import { installTemporalLogging } from './runtime';
import { workflowSource, type WorkflowSource } from './workflow-source';
import { setUpAutomations } from '../automations/user-automations';

/** Histories on disk (files, or directories of *.json), or closed runs on a Temporal server. */
export type HistorySource = { files: string[] } | { client: Client; query: string; limit?: number };

/** How one history replayed (or why it could not be replayed at all). */
export interface ReplayOutcome {
  workflowId: string;
  runId?: string;
  workflowType?: string;
  /** The file the history came from, for histories on disk. */
  file?: string;
  /** Set when the history did not replay cleanly. */
  error?: string;
  /** True when the error is nondeterminism: the workflow code no longer matches the history. */
  nondeterministic?: boolean;
  /** The history event the code disagreed with, when the error names one. */
  event?: { id: number; type: string };
}

export interface ReplaySummary {
  total: number;
  passed: number;
  failed: ReplayOutcome[];
}

export interface ReplayOptions {
  source: HistorySource;
  /** The workflows entry to replay against; the shipped workflows/ by default. */
  workflowsPath?: string;
  /** User automation files (HOMING_AUTOMATIONS) to bundle beside the shipped workflows. */
  automationFiles?: readonly string[];
  /** A prebuilt bundle instead (tests build one per run). */
  workflowBundle?: { code: string } | { codePath: string };
  /** Called once per history as soon as it has replayed. */
  onProgress?(outcome: ReplayOutcome): void;
}

interface LoadedHistory extends ReplayOutcome {
  history: History;
}

const DEFAULT_LIMIT = 100;
const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Workflow id and type from the start event (servers since 1.27 record the id there; older histories fall back to `fallbackId`). */
function describe(history: History, fallbackId: string): Pick<ReplayOutcome, 'workflowId' | 'workflowType'> {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return { workflowId: started?.workflowId || fallbackId, workflowType: started?.workflowType?.name ?? undefined };
}

async function* fromFiles(paths: string[]): AsyncGenerator<LoadedHistory | ReplayOutcome> {
  for (const p of paths) {
    let files: string[];
    try {
      files = fs.statSync(p).isDirectory() ? fs.readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(p, f)) : [p];
    } catch (err) {
      yield { workflowId: p, file: p, error: errorMessage(err) };
      continue;
    }
    // An empty fixtures directory must not pass as "nothing broke".
    if (files.length === 0) yield { workflowId: p, file: p, error: 'no *.json history files in this directory' };
    for (const file of files) {
      const name = path.basename(file, '.json');
      try {
        const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
        yield { ...describe(history, name), file, history };
      } catch (err) {
        yield { workflowId: name, file, error: `not a readable history: ${errorMessage(err)}` };
      }
    }
  }
}

async function* fromServer(client: Client, query: string, limit: number): AsyncGenerator<LoadedHistory | ReplayOutcome> {
  let count = 0;
  for await (const run of client.workflow.list({ query })) {
    if (count++ >= limit) return;
    const meta = { workflowId: run.workflowId, runId: run.runId, workflowType: run.type };
    try {
      yield { ...meta, history: await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory() };
    } catch (err) {
      yield { ...meta, error: `history not fetched: ${errorMessage(err)}` };
    }
  }
}

type HistoryEvent = NonNullable<History['events']>[number];

/** The marker a local activity's result was recorded in, by the activity's sequence number. */
function localActivityMarker(history: History, seq: number): HistoryEvent | undefined {
  return history.events?.find((e) => {
    const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    if (e.markerRecordedEventAttributes?.markerName !== 'core_local_activity' || !data) return false;
    try {
      return (JSON.parse(Buffer.from(data).toString('utf8')) as { seq?: number }).seq === seq;
    } catch {
      return false;
    }
  });
}

/**
 * The event a nondeterminism error is about. Core names it in several shapes
 * ("HistoryEvent(id: 5, ...)", "event 5", "event id 5"), or for a local
 * activity only by its sequence number ("LocalActivity(1)"); its type is then
 * read from the history itself.
 */
function failingEvent(message: string, history: History): ReplayOutcome['event'] {
  const match = /HistoryEvent\(id: (\d+)|\bevent(?: id)?[: ]+(\d+)/i.exec(message);
  const local = /LocalActivity\((\d+)\)/.exec(message);
  const event = match
    ? history.events?.find((e) => Number(e.eventId) === Number(match[1] ?? match[2]))
    : local
      ? localActivityMarker(history, Number(local[1]))
      : undefined;
  if (!event) return undefined;
  const type = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
  return { id: Number(event.eventId), type: type.replace(/^EVENT_TYPE_/, '') };
}

function outcome({ history, ...meta }: LoadedHistory, result: ReplayResult): ReplayOutcome {
  if (!result.error) return { ...meta, runId: meta.runId ?? result.runId };
  // Core's own message, without the SDK's preamble and the Rust debug dump around it.
  const error = /message: "((?:[^"\\]|\\.)*)"/.exec(result.error.message)?.[1] ?? result.error.message.replace(/^.*?Details: /s, '');
  const nondeterministic = !(result.error instanceof ReplayError);
  return { ...meta, runId: meta.runId ?? result.runId, error, nondeterministic, event: failingEvent(error, history) };
}

/**
 * Bundles the workflows before any replay worker exists, so a bundle that fails
 * leaves no SDK runtime behind, and says why in webpack's words.
 */
async function bundle(source: WorkflowSource): Promise<{ code: string }> {
  const errors: string[] = [];
  const ignore = () => undefined;
  const logger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: (message: string) => void errors.push(message) };
  try {
    return await bundleWorkflowCode({ workflowsPath: source.workflowsPath, ...source.bundlerOptions, logger });
  } catch (err) {
    throw new Error(`the workflows at ${source.workflowsPath} do not bundle: ${errors.join('\n') || errorMessage(err)}`);
  } finally {
    source.done();
  }
}

/**
 * Replays every history of `source` against the workflow code, one at a
 * time in one replay worker (the workflows are bundled once). A history that
 * fails, or cannot be loaded, is reported and the rest still replay.
 */
export async function replayHistories(opts: ReplayOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { total: 0, passed: 0, failed: [] };
  const record = (o: ReplayOutcome) => {
    summary.total++;
    if (o.error) summary.failed.push(o);
    else summary.passed++;
    opts.onProgress?.(o);
  };
  const source = 'files' in opts.source ? fromFiles(opts.source.files) : fromServer(opts.source.client, opts.source.query, opts.source.limit ?? DEFAULT_LIMIT);
  // The replay worker answers in the order it was fed, so results pair up with this queue.
  const inFlight: LoadedHistory[] = [];
  async function* histories() {
    for await (const item of source) {
      if (!('history' in item)) {
        record(item);
        continue;
      }
      inFlight.push(item);
      yield { workflowId: item.workflowId, history: item.history };
    }
  }
  const workflowBundle =
    opts.workflowBundle ??
    (await bundle(opts.workflowsPath ? { workflowsPath: opts.workflowsPath, bundlerOptions: {}, done: () => undefined } : workflowSource(opts.automationFiles ?? [])));
  for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'homing-replay' }, histories())) {
    const loaded = inFlight.shift();
    if (loaded) record(outcome(loaded, result));
  }
  return summary;
}

/** The visibility query for `homing replay` without files: closed runs on Homing's task queue. */
function historyQuery(opts: { taskQueue: string; types?: string[]; since?: Date; until?: Date }): string {
  const q = (s: string) => JSON.stringify(s);
  const clauses = ['ExecutionStatus != "Running"', `TaskQueue = ${q(opts.taskQueue)}`];
  if (opts.types?.length) clauses.push(`WorkflowType IN (${opts.types.map(q).join(', ')})`);
  if (opts.since) clauses.push(`CloseTime >= ${q(opts.since.toISOString())}`);
  if (opts.until) clauses.push(`CloseTime <= ${q(opts.until.toISOString())}`);
  return clauses.join(' AND ');
}

const REPLAY_USAGE = `usage: homing replay [files or directories...] [options]

Replays workflow histories against this build's workflows. A change to a
workflow that would break runs already in flight (nondeterminism) fails here,
naming the workflow and the history event, instead of failing in production.

  homing replay test/histories
      JSON histories on disk, one per file as "temporal workflow show --output
      json" writes them; a directory means every *.json in it. No Temporal needed.
  homing replay [--type T] [--since X] [--until Y] [--limit N]
      closed runs on Homing's task queue (TEMPORAL_TASK_QUEUE), fetched from
      TEMPORAL_ADDRESS, or else from the embedded Temporal of a "homing start"
      running in HOMING_DATA_DIR.

  --type <WorkflowType>  only this workflow type: an automation id like email-then-sms
                         (emailThenSms for runs started before 0.2) (repeatable)
  --since <time>         closed at or after: an ISO date, or a duration ago (90m, 24h, 7d)
  --until <time>         closed at or before (same forms)
  --limit <n>            at most n runs, the most recent first (default ${DEFAULT_LIMIT})
  --workflows <path>     replay against this workflows entry (a file or directory
                         like workflows/) instead of the shipped one: try a change
                         before shipping it

HOMING_AUTOMATIONS (as for "homing start") adds the user's automations, so
their runs replay against the definitions in your repository.

Exit status: 0 every history replayed, 1 nondeterminism or any other failure, 2 bad usage.`;

class UsageError extends Error {}

/** An ISO date, or a duration before now ("24h", "90m", "7d"). */
function parseTime(flag: string, value: string, now = Date.now()): Date {
  const at = /^\d+(ms|s|m|h|d)$/.test(value) ? now - msToNumber(value as `${number}h`) : Date.parse(value);
  if (Number.isNaN(at)) throw new UsageError(`--${flag} "${value}": expected an ISO date (2025-01-31T12:00:00Z) or a duration like 24h`);
  return new Date(at);
}

function parseReplayArgs(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        type: { type: 'string', multiple: true },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        workflows: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const { values, positionals } = parsed;
  const serverFlags = ['type', 'since', 'until', 'limit'] as const;
  if (positionals.length > 0 && serverFlags.some((f) => values[f] !== undefined)) {
    throw new UsageError('--type, --since, --until and --limit select runs on the server; they do not apply to files');
  }
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit "${values.limit}": expected a positive whole number`);
  return {
    help: values.help === true,
    files: positionals,
    types: values.type,
    since: values.since === undefined ? undefined : parseTime('since', values.since),
    until: values.until === undefined ? undefined : parseTime('until', values.until),
    limit,
    workflowsPath: values.workflows === undefined ? undefined : path.resolve(values.workflows),
  };
}

function line(o: ReplayOutcome): string {
  const where = [o.workflowType, o.file ?? o.runId].filter((w) => w && w !== o.workflowId).join(', ');
  const head = `${o.error ? '✗' : '✓'} ${o.workflowId}${where ? ` (${where})` : ''}`;
  if (!o.error) return head;
  const what = o.nondeterministic ? 'nondeterminism' : 'failed';
  return `${head} — ${what}${o.event ? ` at event ${o.event.id} ${o.event.type}` : ''}: ${o.error}`;
}

/** `homing replay`: prints one line per history and a summary; resolves with the exit status. */
export async function replayCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseReplayArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`homing replay: ${err.message}\n\n${REPLAY_USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(REPLAY_USAGE);
    return 0;
  }
  let client: Client | undefined;
  let source: HistorySource;
  if (args.files.length > 0) {
    source = { files: args.files };
    console.log(`replaying histories from ${args.files.join(', ')}`);
  } else {
    // Replay needs the Temporal settings only; the placeholders keep loadConfig from generating and storing secrets.
    const config = loadConfig({ HOMING_API_KEY: 'unused', HOMING_ADMIN_TOKEN: 'unused', TRACKING_SECRET: 'unused', ...process.env });
    const address = config.temporal.address ?? runningInstance(config.dataDir)?.temporalAddress;
    if (!address) {
      console.error(`homing replay: no Temporal to fetch histories from: set TEMPORAL_ADDRESS, run "homing start" in ${config.dataDir}, or pass history files\n\n${REPLAY_USAGE}`);
      return 2;
    }
    client = lazyClient({ ...config.temporal, address });
    const query = historyQuery({ taskQueue: config.temporal.taskQueue, types: args.types, since: args.since, until: args.until });
    source = { client, query, limit: args.limit };
    console.log(`replaying at most ${args.limit} runs from ${address} (namespace ${config.temporal.namespace}) matching: ${query}`);
  }
  // The SDK would log each failure again, and its bundler chatter; the lines below say it all.
  installTemporalLogging(createLogger('error'), 'ERROR');
  try {
    // Runs of the user's automations replay against their definitions too.
    const spec = process.env.HOMING_AUTOMATIONS;
    const automationFiles = setUpAutomations(spec ? path.resolve(spec) : undefined);
    const summary = await replayHistories({ source, workflowsPath: args.workflowsPath, automationFiles, onProgress: (o) => console.log(line(o)) });
    const failed = summary.failed.length;
    console.log(`${summary.total} replayed: ${summary.passed} passed, ${failed} failed${summary.total === 0 ? ' (no histories found)' : ''}`);
    return failed > 0 ? 1 : 0;
  } catch (err) {
    console.error(`homing replay: ${errorMessage(err)}`);
    return 1;
  } finally {
    await client?.connection.close();
    // A replay worker that failed to start leaves the SDK runtime up, which would keep the process alive.
    await Runtime._instance?.shutdown();
  }
}

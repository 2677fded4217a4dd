import crypto from 'node:crypto';
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { loadConfig } from '../../src/config';
import { createDatabase } from '../../src/db/create-database';
import { openDatabase, startWorker } from '../../src/services';
import { lazyClient } from '../../src/temporal/connection';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import type { Pool } from '../../src/db/pool';
import { eventually } from '../helpers/homing';
import { tempDir } from '../helpers/servers';

const address = process.env.HOMING_TEST_TEMPORAL_ADDRESS!;
let connection: Connection;
let admin: Client;
let pool: Pool;
let databaseUrl: string;

beforeAll(async () => {
  connection = await Connection.connect({ address });
  admin = new Client({ connection });
  databaseUrl = await createDatabase(process.env.HOMING_TEST_DATABASE_URL!, `homing_ns_${crypto.randomBytes(4).toString('hex')}`);
  pool = await openDatabase(databaseUrl, pino({ level: 'silent' }));
});

afterAll(async () => {
  await pool?.end();
  await connection?.close();
});

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<{ msg: string; [k: string]: unknown }> = [];
  return { lines, log: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

const newNamespace = () => `homing-late-${crypto.randomBytes(4).toString('hex')}`;

test('a namespace created moments after the worker starts: the worker waits for it (saying so once) and starts', async () => {
  const namespace = newNamespace();
  const { lines, log } = capturingLogger();
  const config = loadConfig({
    HOMING_DATA_DIR: tempDir('homing-ns-'),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `homing-ns-${crypto.randomBytes(4).toString('hex')}`,
    HOMING_API_KEY: 'k',
    HOMING_ADMIN_TOKEN: 'a',
    TRACKING_SECRET: 't',
  });
  const starting = startWorker({ config, pool, databaseUrl, temporalAddress: address, log, workflowBundlePath: process.env.HOMING_TEST_WORKFLOW_BUNDLE });
  // A failed start must fail the test now, not as an unhandled rejection later.
  let settled = false;
  const outcome = starting.then(
    (worker) => ({ worker }),
    (err: Error) => ({ err }),
  );
  void outcome.then(() => (settled = true));

  const waiting = `namespace "${namespace}" not found yet on ${address}; retrying`;
  await eventually(async () => lines.some((l) => l.msg === waiting) || settled, 20_000, 'the waiting line');
  await admin.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });

  const started = await outcome;
  if ('err' in started) throw started.err;
  await started.worker.stop();
  expect(lines.filter((l) => l.msg === waiting)).toHaveLength(1);

  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(['HomingUserId', 'HomingMapping', 'HomingAutomation']));
});

test('a namespace that never appears: a clear error once the wait budget is spent', async () => {
  const namespace = newNamespace();
  const { lines, log } = capturingLogger();
  const client = lazyClient({ address, namespace, taskQueue: 'unused' });
  try {
    await expect(ensureSearchAttributes(client, { namespace, address, log, waitMs: 1_000 })).rejects.toThrow(
      `namespace "${namespace}" not found on ${address} after 1 s: create it (temporal operator namespace create --namespace ${namespace}) or set TEMPORAL_NAMESPACE`,
    );
  } finally {
    await client.connection.close();
  }
  expect(lines.map((l) => l.msg)).toContain(`namespace "${namespace}" not found yet on ${address}; retrying`);
});

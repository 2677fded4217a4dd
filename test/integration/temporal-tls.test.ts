import fs from 'node:fs';
import crypto from 'node:crypto';
import { loadConfig, type Config } from '../../src/config';
import { createDatabase } from '../../src/db/create-database';
import { runDoctor } from '../../src/doctor';
import { createLogger } from '../../src/logger';
import { openDatabase, startWorker } from '../../src/services';
import { lazyClient } from '../../src/temporal/connection';
import type { Pool } from '../../src/db/pool';
import { makePrivatePki, startTlsProxy, type PrivatePki, type TlsProxy } from '../helpers/tls-proxy';
import { tempDir } from '../helpers/servers';
import { eventually } from '../helpers/homing';

// The certificate names this host only: dialling 127.0.0.1 needs TEMPORAL_TLS_SERVER_NAME.
const SERVER_NAME = 'temporal.homing.test';
const log = createLogger('silent');

let pki: PrivatePki;
let tlsOnly: TlsProxy;
let mtls: TlsProxy;
let databaseUrl: string;
let pool: Pool;

beforeAll(async () => {
  pki = makePrivatePki(SERVER_NAME);
  const upstream = process.env.HOMING_TEST_TEMPORAL_ADDRESS!;
  [tlsOnly, mtls] = await Promise.all([startTlsProxy(pki, upstream), startTlsProxy(pki, upstream, { requireClientCert: true })]);
  databaseUrl = await createDatabase(process.env.HOMING_TEST_DATABASE_URL!, `homing_tls_${crypto.randomBytes(4).toString('hex')}`);
  pool = await openDatabase(databaseUrl, log);
});

afterAll(async () => {
  await pool?.end();
  await tlsOnly?.close();
  await mtls?.close();
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
});

function configFor(address: string, env: Record<string, string>): Config {
  return loadConfig({
    HOMING_DATA_DIR: tempDir('homing-tls-'),
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `homing-tls-${crypto.randomBytes(4).toString('hex')}`,
    HOMING_API_KEY: 'k',
    HOMING_ADMIN_TOKEN: 'a',
    TRACKING_SECRET: 't',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** `homing doctor`'s verdict and its temporal line. */
async function doctor(config: Config): Promise<{ ok: boolean; temporal: string }> {
  const lines: string[] = [];
  const ok = await runDoctor(config, (line) => lines.push(line));
  return { ok, temporal: lines.find((l) => /^\S+\s+temporal /.test(l)) ?? '' };
}

/** The worker (Rust core connection) and the client (grpc-js connection) both work. */
async function workerAndClientConnect(config: Config): Promise<void> {
  const worker = await startWorker({ config, pool, databaseUrl, temporalAddress: config.temporal.address!, log, workflowBundlePath: process.env.HOMING_TEST_WORKFLOW_BUNDLE });
  const client = lazyClient({ ...config.temporal, address: config.temporal.address! });
  try {
    const { namespaceInfo } = await client.workflowService.describeNamespace({ namespace: config.temporal.namespace });
    expect(namespaceInfo?.name).toBe(config.temporal.namespace);
  } finally {
    await client.connection.close();
    await worker.stop();
  }
}

test('a private-CA TLS frontend: worker, client and doctor connect with TEMPORAL_TLS_CA (a file) and TEMPORAL_TLS_SERVER_NAME', async () => {
  const config = configFor(tlsOnly.address, { TEMPORAL_TLS_CA: pki.caFile, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
  await workerAndClientConnect(config);
  const verdict = await doctor(config);
  expect(verdict.temporal).toMatch(/^ok\s+temporal\s+reachable at 127\.0\.0\.1:\d+ \(TLS, private CA, name temporal\.homing\.test\), namespace "default"/);
  expect(verdict.ok).toBe(true);
});

test('TLS turned on without the private CA: the worker and doctor fail naming the address and the untrusted certificate', async () => {
  const config = configFor(tlsOnly.address, { TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
  const err = (await startWorker({ config, pool, databaseUrl, temporalAddress: tlsOnly.address, log }).then(
    (w) => w.stop().then(() => new Error('the worker connected')),
    (e: Error) => e,
  )) as Error;
  expect(err.message).toContain(tlsOnly.address);
  expect(err.message).toMatch(/TEMPORAL_TLS_CA/);
  expect(err.message).toMatch(/UnknownIssuer|certificate/i);
  const verdict = await doctor(config);
  expect(verdict.ok).toBe(false);
  expect(verdict.temporal).toMatch(/^FAIL\s+temporal\s+not reachable at 127\.0\.0\.1:\d+ \(TLS, name temporal\.homing\.test\): .*certificate.*TEMPORAL_TLS_CA/);
});

test("the private CA without TEMPORAL_TLS_SERVER_NAME, dialling an address the certificate does not name: doctor says to set it", async () => {
  const verdict = await doctor(configFor(tlsOnly.address, { TEMPORAL_TLS_CA: pki.ca }));
  expect(verdict.ok).toBe(false);
  expect(verdict.temporal).toMatch(/NotValidForName.*set TEMPORAL_TLS_SERVER_NAME to a name in the frontend's certificate$/);
});

test('plaintext to a TLS frontend: doctor fails suggesting TEMPORAL_TLS=true', async () => {
  const verdict = await doctor(configFor(tlsOnly.address, {}));
  expect(verdict.ok).toBe(false);
  expect(verdict.temporal).toMatch(/^FAIL\s+temporal\s+not reachable at 127\.0\.0\.1:\d+: .*set TEMPORAL_TLS=true$/);
});

test('mTLS: a frontend that requires a client certificate refuses Homing without TEMPORAL_TLS_CERT/KEY and accepts it with them', async () => {
  const withoutCert = configFor(mtls.address, { TEMPORAL_TLS_CA: pki.ca, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
  const refused = await doctor(withoutCert);
  expect(refused.ok).toBe(false);
  expect(refused.temporal).toMatch(/if the frontend requires a client certificate \(mTLS\), set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY$/);
  await eventually(async () => mtls.refused.length > 0, 5_000, 'the proxy refusing the handshake');

  const config = configFor(mtls.address, {
    TEMPORAL_TLS_CA: pki.ca,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    TEMPORAL_TLS_CERT: pki.clientCert,
    TEMPORAL_TLS_KEY: pki.clientKey,
  });
  await workerAndClientConnect(config);
  const verdict = await doctor(config);
  expect(verdict.temporal).toMatch(/^ok\s+temporal\s+reachable/);
  expect(verdict.ok).toBe(true);
});

import net from 'node:net';
import { once } from 'node:events';
import { startHoming, type TestHoming } from '../helpers/homing';

/** GET /api/doctor: `homing doctor`'s checks as JSON, bounded in time so a silent dependency cannot hang the Studio. */
let homing: TestHoming;
let silent: TestHoming;
let silentTemporal: net.Server;
const held: net.Socket[] = [];

beforeAll(async () => {
  // A "Temporal" that accepts connections and never says a word.
  silentTemporal = net.createServer((socket) => held.push(socket));
  silentTemporal.listen(0, '127.0.0.1');
  await once(silentTemporal, 'listening');
  const { port } = silentTemporal.address() as net.AddressInfo;
  [homing, silent] = await Promise.all([startHoming({ worker: false }), startHoming({ worker: false, temporalAddress: `127.0.0.1:${port}` })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([homing?.stop(), silent?.stop()]);
  held.forEach((s) => s.destroy());
  silentTemporal?.close();
});

type Check = { name: string; ok: boolean; detail: string };
const byName = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

it("answers the doctor's checks: Postgres and Temporal reachable, the providers and the Segment export named", async () => {
  const res = await homing.admin('/api/doctor');
  expect(res.status).toBe(200);
  expect(res.body.ok).toBe(true);
  const checks = byName(res.body.checks);
  expect(checks.postgres).toMatchObject({ ok: true, detail: expect.stringMatching(/^reachable, PostgreSQL \d+/) });
  expect(checks.temporal).toMatchObject({ ok: true, detail: expect.stringContaining(`reachable at ${process.env.HOMING_TEST_TEMPORAL_ADDRESS}`) });
  expect(checks.email).toMatchObject({ ok: true, detail: 'provider "mailbox"' });
  expect(checks.sms?.ok).toBe(true);
  expect(checks.segment).toMatchObject({ ok: true, detail: expect.stringContaining('SEGMENT_WRITE_KEY unset') });
  expect(checks.automations?.detail).toContain('email-then-sms');
});

it('answers with Temporal failed when Temporal accepts the connection and stays silent, instead of hanging', async () => {
  const res = await silent.admin('/api/doctor');
  expect(res.status).toBe(200);
  expect(res.body.ok).toBe(false);
  const checks = byName(res.body.checks);
  expect(checks.temporal).toMatchObject({ ok: false, detail: expect.stringMatching(/no answer within \d+ s/) });
  expect(checks.postgres?.ok).toBe(true);
});

it('is for the admin only', async () => {
  const res = await fetch(`${homing.url}/api/doctor`);
  expect(res.status).toBe(401);
  expect(await res.json()).toHaveProperty('error');
});

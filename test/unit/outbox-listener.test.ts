import net from 'node:net';
import type { Logger } from '../../src/logger';
import { OutboxListener, reconnectDelay } from '../../src/automations/outbox-listener';
import { eventually } from '../helpers/homing';

/** A "Postgres" on loopback that hangs up on every connection, counting them (and how many are open at once). */
async function hangUpServer() {
  const stats = { total: 0, open: 0, maxOpen: 0 };
  const server = net.createServer((socket) => {
    stats.total++;
    stats.maxOpen = Math.max(stats.maxOpen, ++stats.open);
    socket.on('close', () => stats.open--);
    // Give the client a moment to be "connected" (as during an outage, with a server that refuses to talk).
    setTimeout(() => socket.destroy(), 5);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { stats, url: `postgres://nobody@127.0.0.1:${port}/nothing`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (obj: unknown, msg?: string) => lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? '') });
  return { lines, log: { warn: at('warn'), info: at('info'), error: at('error'), debug: at('debug') } as unknown as Logger };
}

it('retries an unreachable Postgres one connection at a time, closing each, and logs a bounded number of lines', async () => {
  const server = await hangUpServer();
  const { lines, log } = recordingLogger();
  const listener = new OutboxListener({
    databaseUrl: server.url,
    channels: ['homing_outbox'],
    onNotification: () => undefined,
    onReconnect: () => undefined,
    log,
    backoff: { initialMs: 1, maxMs: 4 },
  });
  try {
    await listener.start();
    await eventually(async () => server.stats.total >= 45, 20_000, '45 connection attempts');
  } finally {
    await listener.stop();
  }
  await eventually(async () => server.stats.open === 0, 5_000, 'every attempt closed');
  expect(server.stats.maxOpen).toBe(1);
  // The first failure, then one line per 20 failures.
  expect(lines.filter((l) => l.level === 'warn').length).toBeLessThanOrEqual(Math.ceil(server.stats.total / 20) + 1);
  expect(lines[0]).toEqual({ level: 'warn', msg: expect.stringMatching(/cannot reach Postgres/) });
  await server.close();
});

it('waits exponentially longer between attempts, up to the cap, with jitter in the upper half', () => {
  const backoff = { initialMs: 250, maxMs: 10_000 };
  expect([0, 1, 2, 3, 4, 5, 6, 50].map((n) => reconnectDelay(backoff, n, () => 1))).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  expect([0, 1, 6, 50].map((n) => reconnectDelay(backoff, n, () => 0))).toEqual([125, 250, 5_000, 5_000]);
});

it('a first connection that took retries looks for work queued meanwhile, as a reconnect does', async () => {
  // Hangs up on the first two connections, then passes them through to the suite's Postgres.
  const target = new URL(process.env.HOMING_TEST_DATABASE_URL!);
  let connections = 0;
  const proxy = net.createServer((socket) => {
    if (++connections <= 2) return void socket.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((proxy.address() as net.AddressInfo).port);
  let reconnects = 0;
  const listener = new OutboxListener({
    databaseUrl: url.toString(),
    channels: ['homing_outbox'],
    onNotification: () => undefined,
    onReconnect: () => void reconnects++,
    log: recordingLogger().log,
    backoff: { initialMs: 1, maxMs: 4 },
  });
  try {
    await listener.start();
    await eventually(async () => reconnects === 1, 10_000, 'a look for queued work after the first connect');
    expect(connections).toBe(3);
  } finally {
    await listener.stop();
    proxy.close();
  }
});

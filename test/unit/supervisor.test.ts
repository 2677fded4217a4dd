import { Writable } from 'node:stream';
import pino from 'pino';
import { spawnChild, stopChild } from '../../src/embedded/processes';
import { supervise, type RunningChild } from '../../src/embedded/supervisor';
import { eventually } from '../helpers/homing';

/** A real logger writing its JSON lines into an array. */
function capturingLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

const sleeper = (): Promise<RunningChild> => {
  const child = spawnChild({ command: 'sleep', args: ['60'], deathSignal: 'SIGTERM' });
  return Promise.resolve({ process: child, stop: () => stopChild(child) });
};

test('a child that dies is restarted and the restart is logged; stop stops it for good', async () => {
  const { log, lines } = capturingLogger();
  const supervised = await supervise({ name: 'sleeper', start: sleeper, log, firstDelayMs: 10 });
  const first = supervised.current;
  first.kill('SIGKILL');
  await eventually(async () => lines.some((l) => l.msg === 'child restarted'), 10_000, 'restart');
  expect(lines.find((l) => l.msg === 'child exited unexpectedly')).toMatchObject({ child: 'sleeper', signal: 'SIGKILL', restartInMs: 10 });
  expect(supervised.current.pid).not.toBe(first.pid);
  const second = supervised.current;
  await supervised.stop();
  expect(second.signalCode).toBe('SIGTERM');
  expect(lines.at(-1)).toMatchObject({ child: 'sleeper', msg: 'child stopped' });
  expect(lines.filter((l) => l.msg === 'child exited unexpectedly')).toHaveLength(1);
});

test('failed restarts are retried with a doubling, capped delay', async () => {
  const { log, lines } = capturingLogger();
  let starts = 0;
  const supervised = await supervise({
    name: 'flaky',
    log,
    firstDelayMs: 10,
    maxDelayMs: 40,
    // Starts once, then fails four times, then starts again.
    start: () => (++starts === 1 || starts > 5 ? sleeper() : Promise.reject(new Error('port taken'))),
  });
  supervised.current.kill('SIGKILL');
  await eventually(async () => lines.some((l) => l.msg === 'child restarted'), 10_000, 'restart');
  expect(lines.filter((l) => l.msg === 'child restart failed').map((l) => [l.err, l.retryInMs])).toEqual([
    ['port taken', 20],
    ['port taken', 40],
    ['port taken', 40],
    ['port taken', 40],
  ]);
  await supervised.stop();
});

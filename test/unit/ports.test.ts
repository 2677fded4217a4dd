import net from 'node:net';
import { once } from 'node:events';
import { onFreePort } from '../../src/embedded/ports';

const listen = async (server: net.Server, port: number) => {
  server.listen(port, '127.0.0.1');
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(err))]);
  return server;
};

/** Two `homing start`s on different data dirs may both find the same preferred port free; the one that loses the bind moves on. */
it('starts again on another port when the chosen one was taken between the check and the bind', async () => {
  const thief = net.createServer();
  const tried: number[] = [];
  const server = await onFreePort(0, async (port) => {
    tried.push(port);
    // Someone else binds the port first, as another process would.
    if (tried.length === 1) await listen(thief, port);
    return listen(net.createServer(), port);
  });
  try {
    expect(tried).toHaveLength(2);
    expect((server.address() as net.AddressInfo).port).toBe(tried[1]);
  } finally {
    server.close();
    thief.close();
  }
});

it('does not retry other failures', async () => {
  let calls = 0;
  await expect(
    onFreePort(0, async () => {
      calls++;
      throw new Error('PostgreSQL exited (code 1) before it was ready: FATAL: data directory has wrong ownership');
    }),
  ).rejects.toThrow(/wrong ownership/);
  expect(calls).toBe(1);
});

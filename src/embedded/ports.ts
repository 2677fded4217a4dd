import net from 'node:net';

/** `preferred` if it is free on 127.0.0.1, otherwise any free port. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address() as net.AddressInfo;
        server.close(() => resolve(bound));
      });
    });
  if (preferred > 0) {
    try {
      return await tryPort(preferred);
    } catch {
      // taken: fall through to any free port
    }
  }
  return tryPort(0);
}

/**
 * Starts a server on a free port (`preferred` if free), and again on another
 * if the port was taken between the check and the bind (another process, e.g.
 * a second `homing start` on another data dir, chose the same one).
 */
export async function onFreePort<T>(preferred: number, start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(attempt === 1 ? preferred : 0);
    try {
      return await start(port);
    } catch (err) {
      if (attempt >= attempts || !/address already in use/i.test((err as Error)?.message ?? '')) throw err;
    }
  }
}

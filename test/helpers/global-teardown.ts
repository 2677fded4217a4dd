import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as Record<string, unknown>).__homingTestServers as
    | { postgres: { stop(): Promise<void> }; temporal: { stop(): Promise<void> }; dir: string }
    | undefined;
  if (!servers) return;
  await Promise.all([servers.temporal.stop(), servers.postgres.stop()]);
  fs.rmSync(servers.dir, { recursive: true, force: true });
}

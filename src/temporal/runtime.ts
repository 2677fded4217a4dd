import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger';

let installed = false;

/**
 * Routes the Temporal SDK's own logs (worker state, bundling, core) into our
 * logger at warn and above; the SDK's info chatter would drown Homing's. The
 * SDK allows one install per process, before the first worker connection.
 */
export function installTemporalLogging(log: Logger, level: LogLevel = 'WARN'): void {
  if (installed) return;
  installed = true;
  const sdkLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    // The Rust core's logs too, forwarded instead of printed raw to stderr.
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
    logger: new DefaultLogger(level, (entry) => {
      const fields = { ...entry.meta };
      const message = entry.message;
      if (entry.level === 'ERROR') sdkLog.error(fields, message);
      else if (entry.level === 'WARN') sdkLog.warn(fields, message);
      else sdkLog.debug(fields, message);
    }),
  });
}

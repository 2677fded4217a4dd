import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Standard output as pino writes it. Synchronous, like Node's own stdout to
 * files and pipes: an asynchronous write still in flight at process.exit is
 * lost or overtaken by later lines, and the last line after an orderly stop
 * must be the last line (plain lines go through here too).
 */
export const stdout = pino.destination({ dest: 1, sync: true });

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'homing' } }, stdout);
}

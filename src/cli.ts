#!/usr/bin/env node
import path from 'node:path';
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, stdout, type Logger } from './logger';
import { openDatabase, poolSizeFor, startApi, startInfrastructure, startWorker, type Stoppable } from './services';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { runDoctor } from './doctor';
import { replayCommand } from './temporal/replay';
import { writeRuntimeInfo } from './runtime-info';
import { banner } from './banner';
import { setUpAutomations } from './automations/user-automations';
import { scaffoldAutomation, ScaffoldError } from './automations/scaffold';
import { lockDataDir, secureDataDir } from './embedded/data-dir';

const USAGE = `usage: homing <command>

  start     all in one: embedded Postgres and Temporal (unless DATABASE_URL /
            TEMPORAL_ADDRESS are set), the API and the worker
  api       the HTTP API only (needs DATABASE_URL and TEMPORAL_ADDRESS)
  worker    the Temporal worker and outbox dispatcher only (same)
  migrate   apply database migrations (needs DATABASE_URL)
  replay    replay workflow histories (files, or closed runs on the Temporal
            server) against this build's workflows; see "homing replay --help"
  doctor    check configuration and what is reachable
  new automation <name> [--dir <folder>]
            write a commented starter automation and its test into the
            folder HOMING_AUTOMATIONS names (default: automations/)

Configuration comes from the environment and a .env file; see README.md.`;

/**
 * Stops the running parts in reverse start order, once: on Ctrl-C, SIGTERM or
 * a fatal error. A second signal forces the exit.
 */
class Shutdown {
  private readonly parts: Stoppable[] = [];
  private stopping = false;

  constructor(private readonly log: Logger) {
    this.claimSignals();
  }

  /**
   * Temporal's Runtime, once created, installs SIGINT/SIGTERM hooks that shut
   * its workers down on their own, racing the orderly stop. Ours replace them
   * each time a part is added. (The embedded children are in process groups of
   * their own: the terminal's Ctrl-C reaches only this process.)
   */
  private claimSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(signal);
      process.on(signal, () => (this.stopping ? process.exit(130) : void this.run(0, signal)));
    }
  }

  add(part: Stoppable): void {
    this.parts.push(part);
    this.claimSignals();
  }

  async run(code: number, reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ reason }, 'stopping');
    for (const part of [...this.parts].reverse()) await part.stop().catch((err: unknown) => this.log.warn({ err }, 'stop failed'));
    // Through the log stream, so it is the last line.
    stdout.write('Homing stopped.\n');
    process.exit(code);
  }
}

function requireExternal(config: Config, command: string): { databaseUrl: string; temporalAddress: string } {
  const missing = [!config.databaseUrl && 'DATABASE_URL', !config.temporal.address && 'TEMPORAL_ADDRESS'].filter(Boolean);
  if (missing.length > 0) throw new ConfigError(missing.map((m) => `${m}: required by "homing ${command}" (use "homing start" for embedded defaults)`));
  return { databaseUrl: config.databaseUrl!, temporalAddress: config.temporal.address! };
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return;
  }
  dotenv.config({ quiet: true });
  // Before loadConfig: replaying files needs no configuration (and must not generate secrets).
  if (command === 'replay') {
    process.exitCode = await replayCommand(argv.slice(1));
    return;
  }
  if (command === 'new') {
    process.exitCode = newCommand(argv.slice(1));
    return;
  }
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const shutdown = new Shutdown(log);
  const fatal = (err: unknown) => {
    log.fatal({ err }, 'fatal error');
    void shutdown.run(1, 'fatal error');
  };

  // A bad definition stops start-up here, before anything is started.
  if (['start', 'api', 'worker'].includes(command)) setUpAutomations(config.automationsPath);

  switch (command) {
    case 'start': {
      // Whatever Homing and its children create in the data dir is the owner's alone.
      process.umask(0o077);
      secureDataDir(config.dataDir);
      const unlock = lockDataDir(config.dataDir);
      shutdown.add({ stop: async () => unlock() });
      const infra = await startInfrastructure(config, log);
      shutdown.add(infra);
      const pool = await openDatabase(infra.databaseUrl, log, poolSizeFor(config, 'start'));
      shutdown.add({ stop: () => pool.end() });
      const deps = { config, pool, databaseUrl: infra.databaseUrl, temporalAddress: infra.temporalAddress, temporalUiUrl: infra.temporalUiUrl, log };
      shutdown.add(await startWorker({ ...deps, onFatal: fatal }));
      const api = await startApi(deps);
      shutdown.add(api);
      writeRuntimeInfo(config.dataDir, { pid: process.pid, apiUrl: api.url, databaseUrl: infra.databaseUrl, temporalAddress: infra.temporalAddress, temporalUiUrl: infra.temporalUiUrl });
      console.log(banner(config, { apiUrl: api.url, temporalUiUrl: infra.temporalUiUrl, databaseUrl: infra.databaseUrl }));
      return;
    }
    case 'api':
    case 'worker': {
      const ext = requireExternal(config, command);
      const pool = await openDatabase(ext.databaseUrl, log, poolSizeFor(config, command));
      shutdown.add({ stop: () => pool.end() });
      const deps = { config, pool, ...ext, log };
      if (command === 'api') {
        const api = await startApi(deps);
        shutdown.add(api);
        log.info({ url: api.url }, 'API listening');
      } else {
        shutdown.add(await startWorker({ ...deps, onFatal: fatal }));
        log.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
      }
      return;
    }
    case 'migrate': {
      if (!config.databaseUrl) throw new ConfigError(['DATABASE_URL: required by "homing migrate" ("homing start" migrates its embedded database itself)']);
      const pool = createPool(config.databaseUrl, 1);
      try {
        const applied = await migrate(pool);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database schema is up to date');
      } finally {
        await pool.end();
      }
      return;
    }
    case 'doctor':
      process.exitCode = (await runDoctor(config)) ? 0 : 1;
      return;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

/** `homing new automation <name> [--dir <folder>]`. */
function newCommand(argv: string[]): number {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { dir: { type: 'string' } } });
  const [what, name] = positionals;
  if (what !== 'automation' || !name || positionals.length > 2) {
    console.error('usage: homing new automation <name> [--dir <folder>]');
    return 2;
  }
  const configured = process.env.HOMING_AUTOMATIONS;
  const dir = path.resolve(typeof values.dir === 'string' ? values.dir : configured && !/\.[cm]?[jt]s$/.test(configured) ? configured : 'automations');
  try {
    for (const file of scaffoldAutomation(name, dir)) console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
  } catch (err) {
    if (!(err instanceof ScaffoldError)) throw err;
    console.error(`homing new: ${err.message}`);
    return 1;
  }
  const relative = path.relative(process.cwd(), dir) || '.';
  console.log(
    configured ? `HOMING_AUTOMATIONS (${configured}) loads it at the next start.` : `Load it: add HOMING_AUTOMATIONS=${relative} to .env (or the environment) of every Homing process.`,
  );
  console.log(`Its test runs on Temporal's time-skipping server with homing/testing (jest or vitest: npx jest ${path.join(relative, `${name}.test.ts`)}).`);
  return 0;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`homing: invalid configuration\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
  } else {
    // A message an operator can act on; the trace only when asked for.
    const verbose = ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '');
    console.error(`homing: ${(verbose ? (err as Error)?.stack : (err as Error)?.message) ?? String(err)}`);
  }
  process.exit(1);
});

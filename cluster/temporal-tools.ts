import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The version docker-compose.yml runs (`TEMPORAL_VERSION`): server and SQL tool move together. */
export const TEMPORAL_VERSION = '1.31.2';
// go.mod of go.temporal.io/server@v1.31.2 says `go 1.26.4`.
const GO_NEEDED = 'Go >= 1.26.4';

export interface TemporalTools {
  /** `temporal-server` (built from go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (built from go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
  /** `schema/postgresql/v12` of the same version: what the admin-tools image ships in /etc/temporal/schema. */
  schemaDir: string;
}

/** Where `go install` puts the binaries, reused by every later run. */
export function toolsCacheDir(): string {
  const root = process.env.HOMING_CACHE_DIR || path.join(os.homedir(), '.cache', 'homing');
  return path.join(root, `temporal-${TEMPORAL_VERSION}`, 'bin');
}

function goModCache(): string | undefined {
  const go = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  return go.status === 0 ? go.stdout.trim() || undefined : undefined;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message.split('\n')[0]}\n${`${stdout}${stderr}`.slice(-3000)}`));
      else resolve();
    });
  });
}

/**
 * The real Temporal server and SQL tool at the compose version: prebuilt
 * binaries (TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH), the cache folder,
 * or `go install` into that folder (about 4 minutes on 2 cores, once).
 */
export async function provisionTemporalTools(log: (line: string) => void): Promise<TemporalTools> {
  const bin = toolsCacheDir();
  const server = process.env.TEMPORAL_SERVER_PATH || path.join(bin, 'server');
  const sqlTool = process.env.TEMPORAL_SQL_TOOL_PATH || path.join(bin, 'sql');
  const missing = [server, sqlTool].filter((f) => !fs.existsSync(f));
  const modCache = missing.length > 0 || !process.env.TEMPORAL_SCHEMA_DIR ? goModCache() : undefined;
  if ((missing.length > 0 || !process.env.TEMPORAL_SCHEMA_DIR) && !modCache) {
    throw new Error(
      `production-shape check: needs ${GO_NEEDED} on PATH (to build Temporal ${TEMPORAL_VERSION} into ${bin} and read its schema), ` +
        `or TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH pointing at prebuilt binaries and TEMPORAL_SCHEMA_DIR at their schema/postgresql/v12`,
    );
  }
  if (missing.length > 0) {
    log(`building Temporal ${TEMPORAL_VERSION} with go install into ${bin} (one time, a few minutes)`);
    fs.mkdirSync(bin, { recursive: true });
    const v = `@v${TEMPORAL_VERSION}`;
    await run('go', ['install', `go.temporal.io/server/cmd/server${v}`, `go.temporal.io/server/cmd/tools/sql${v}`], { ...process.env, GOBIN: bin });
  }
  let schemaDir = process.env.TEMPORAL_SCHEMA_DIR;
  if (!schemaDir) {
    const module = `go.temporal.io/server@v${TEMPORAL_VERSION}`;
    const source = path.join(modCache!, module);
    // Prebuilt binaries leave the module cache empty: fetch the module's source for its schema files.
    if (!fs.existsSync(source)) await run('go', ['mod', 'download', module], process.env);
    schemaDir = path.join(source, 'schema', 'postgresql', 'v12');
  }
  return { server, sqlTool, schemaDir };
}

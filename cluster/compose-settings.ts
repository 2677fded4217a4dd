import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/version';

export interface ComposeSettings {
  /** `TEMPORAL_VERSION`'s default: the server and admin-tools images' tag. */
  temporalVersion: string;
  /** The `temporal` service's environment with compose's defaults applied (`${X:-d}` → d, `${X:?…}` → ''). */
  temporalEnv: Record<string, string>;
  /** The `postgres` service's max_connections (PostgreSQL's 100 when compose does not set it). */
  maxConnections: number;
  /** The `temporal-dynamicconfig` file. */
  dynamicConfig: string;
}

function must(match: RegExpExecArray | null, what: string): string {
  if (!match?.[1]) throw new Error(`docker-compose.yml: cannot find ${what}`);
  return match[1];
}

/**
 * What docker-compose.yml runs, read from the file itself so that the check
 * follows compose when it changes (pool sizes, shards, dynamic config).
 */
export function composeSettings(file = path.join(packageRoot(), 'docker-compose.yml')): ComposeSettings {
  const compose = fs.readFileSync(file, 'utf8');
  // A service runs from its `  name:` line to the next line indented by two spaces or less.
  const temporal = must(/\n {2}temporal:\n((?:(?: {3,}.*)?\n)+)/.exec(compose), 'the temporal service');
  const environment = must(/\n {4}environment:\n((?:(?: {6,}.*)?\n)+)/.exec(`\n${temporal}`), 'the temporal service environment');
  const temporalEnv: Record<string, string> = {};
  for (const [, key, raw] of environment.matchAll(/^ {6}([A-Z0-9_]+): *(.*)$/gm)) {
    const value = raw!.trim().replace(/^"(.*)"$/, '$1');
    temporalEnv[key!] = value.replace(/\$\{[A-Z0-9_]+(?::-([^}]*)|:\?[^}]*)?\}/g, (_, fallback?: string) => fallback ?? '');
  }
  const maxConnections = /max_connections=(?:\$\{[A-Z0-9_]+:-)?(\d+)/.exec(compose)?.[1];
  return {
    temporalVersion: must(/TEMPORAL_VERSION:-([\d.]+)/.exec(compose), 'TEMPORAL_VERSION'),
    temporalEnv,
    maxConnections: maxConnections ? Number(maxConnections) : 100,
    dynamicConfig: must(/temporal-dynamicconfig:\n\s+content: \|\n((?:(?: {6}.*)?\n)+)/.exec(compose), 'the temporal-dynamicconfig content').replace(/^ {6}/gm, ''),
  };
}

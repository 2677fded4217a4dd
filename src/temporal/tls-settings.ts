import fs from 'node:fs';

/** TLS to the Temporal frontend; each PEM is contents (read from a file when the setting named one). */
export interface TemporalTls {
  /** The CA that signed the frontend's certificate; unset: the system's trusted roots. */
  ca?: string;
  /** The name to check the frontend's certificate against, when it differs from TEMPORAL_ADDRESS's host. */
  serverName?: string;
  /** Client certificate and key for mTLS (both or neither). */
  cert?: string;
  key?: string;
}

type RawEnv = Record<string, string | undefined>;

const PEM_SETTINGS = { ca: 'TEMPORAL_TLS_CA', cert: 'TEMPORAL_TLS_CERT', key: 'TEMPORAL_TLS_KEY' } as const;
const TLS_SETTINGS = ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_SERVER_NAME'] as const;

/**
 * PEM contents as given, or read from the file the value names: contents suit
 * secrets injected as variables (Temporal Cloud), paths suit mounted files.
 */
function pem(name: string, value: string): { pem: string } | { problem: string } {
  if (value.includes('-----BEGIN ')) return { pem: value };
  let contents: string;
  try {
    contents = fs.readFileSync(value, 'utf8');
  } catch (err) {
    // The value may be a secret in another encoding (a base64 key): never repeat it.
    return { problem: `${name}: neither PEM contents (-----BEGIN ...) nor the path of a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` };
  }
  return contents.includes('-----BEGIN ') ? { pem: contents } : { problem: `${name}: the file it names holds no PEM block (-----BEGIN ...)` };
}

/**
 * The TLS settings for an external Temporal (the embedded dev server speaks
 * plaintext), with one problem line per mistake. TLS is on when TEMPORAL_TLS
 * says so, or by default when any other TLS setting or an API key is set.
 */
export function temporalTls(env: RawEnv): { tls?: TemporalTls; problems: string[] } {
  const problems: string[] = [];
  const tls: TemporalTls = {};
  for (const [field, name] of Object.entries(PEM_SETTINGS) as Array<[keyof typeof PEM_SETTINGS, string]>) {
    const value = env[name];
    if (value === undefined) continue;
    const read = pem(name, value);
    if ('problem' in read) problems.push(read.problem);
    else tls[field] = read.pem;
  }
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) problems.push('TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY: set both or neither');
  if (env.TEMPORAL_TLS_SERVER_NAME) tls.serverName = env.TEMPORAL_TLS_SERVER_NAME;

  const settings = TLS_SETTINGS.filter((name) => env[name]);
  if (env.TEMPORAL_TLS === 'false' && settings.length > 0) {
    problems.push(`TEMPORAL_TLS: false, but ${settings.join(', ')} ${settings.length > 1 ? 'are' : 'is'} set; remove them or turn TLS on`);
  }
  const on = env.TEMPORAL_TLS === undefined ? settings.length > 0 || Boolean(env.TEMPORAL_API_KEY) : env.TEMPORAL_TLS === 'true';
  return { tls: on && env.TEMPORAL_ADDRESS ? tls : undefined, problems };
}

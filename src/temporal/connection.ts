import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';

export type TemporalConfig = Config['temporal'] & { address: string };

/**
 * The SDK's TLS settings. `false` when off: the SDK would turn TLS on by
 * itself for an API key, which TEMPORAL_TLS=false must be able to prevent.
 */
function tlsConfig(cfg: TemporalConfig): TLSConfig | false {
  const { tls } = cfg;
  if (!tls) return false;
  return {
    serverRootCACertificate: tls.ca ? Buffer.from(tls.ca) : undefined,
    serverNameOverride: tls.serverName,
    clientCertPair: tls.cert && tls.key ? { crt: Buffer.from(tls.cert), key: Buffer.from(tls.key) } : undefined,
  };
}

/** Connection settings for every connection Homing makes to Temporal: address, TLS, Temporal Cloud API key. */
function connectionOptions(cfg: TemporalConfig) {
  return { address: cfg.address, apiKey: cfg.apiKey, tls: tlsConfig(cfg) };
}

/** The address and how it is reached, for messages: `host:7233 (TLS, client certificate)`. */
export function describeTarget(cfg: TemporalConfig): string {
  if (!cfg.tls) return cfg.address;
  const extras = [cfg.tls.ca && 'private CA', cfg.tls.serverName && `name ${cfg.tls.serverName}`, cfg.tls.cert && 'client certificate'].filter(Boolean);
  return `${cfg.address} (TLS${extras.length ? `, ${extras.join(', ')}` : ''})`;
}

/** The ways a stream cut by the server shows in the SDK's message (which one depends on timing). */
const CUT = /broken ?pipe|connection ?reset|ECONNRESET|connection closed/i;

/** What to set when a connection failed the way a TLS misconfiguration does (the SDK's message names the symptom only). */
function hint(cfg: TemporalConfig, message: string): string {
  const tls = cfg.tls;
  if (!tls) return CUT.test(message) ? '; if the frontend requires TLS, set TEMPORAL_TLS=true' : '';
  // Under TLS 1.3 a refused client certificate arrives after the handshake: as an alert, or as the stream cut.
  if ((/CertificateRequired|HandshakeFailure/i.test(message) || CUT.test(message)) && !tls.cert) return '; if the frontend requires a client certificate (mTLS), set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY';
  if (/NotValidForName/i.test(message)) return "; set TEMPORAL_TLS_SERVER_NAME to a name in the frontend's certificate";
  if (/UnknownIssuer|certificate/i.test(message) && !tls.ca) return "; if the frontend's certificate is from a private CA, set TEMPORAL_TLS_CA";
  return '';
}

/** A failed connection, naming where and how it connected and what to change. */
export class TemporalConnectError extends Error {
  readonly target: string;
  readonly reason: string;

  constructor(cfg: TemporalConfig, err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    const target = describeTarget(cfg);
    const reason = `${message}${hint(cfg, message)}`;
    super(`cannot connect to Temporal at ${target}: ${reason}`);
    this.target = target;
    this.reason = reason;
  }
}

/**
 * A client whose connection is made on first use, so a process that holds one
 * starts (and keeps ingesting) while Temporal is down.
 */
export function lazyClient(cfg: TemporalConfig): Client {
  return new Client({ connection: Connection.lazy(connectionOptions(cfg)), namespace: cfg.namespace });
}

/** The worker's connection (also `homing doctor`'s: its errors carry the reason, such as an untrusted certificate). */
export async function connectWorker(cfg: TemporalConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(cfg));
  } catch (err) {
    throw new TemporalConnectError(cfg, err);
  }
}

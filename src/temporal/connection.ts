import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';

export type TemporalConfig = Config['temporal'] & { address: string };

/** Connection settings shared by the client and the worker: address, mTLS, Temporal Cloud API key. */
function connectionOptions(cfg: TemporalConfig) {
  return {
    address: cfg.address,
    apiKey: cfg.apiKey,
    tls: cfg.tls ? { clientCertPair: { crt: Buffer.from(cfg.tls.cert), key: Buffer.from(cfg.tls.key) } } : cfg.apiKey ? true : undefined,
  };
}

/**
 * A client whose connection is made on first use, so a process that holds one
 * starts (and keeps ingesting) while Temporal is down.
 */
export function lazyClient(cfg: TemporalConfig): Client {
  return new Client({ connection: Connection.lazy(connectionOptions(cfg)), namespace: cfg.namespace });
}

export function connectWorker(cfg: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(cfg));
}

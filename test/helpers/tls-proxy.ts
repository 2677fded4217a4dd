import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** PEM contents (and files) of a private CA, a server certificate it signed, and a client certificate it signed. */
export interface PrivatePki {
  dir: string;
  caFile: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/**
 * A throwaway private CA made with `openssl`, as an operator's own would be:
 * the server certificate names only `serverName` (a DNS name), so a client
 * dialling 127.0.0.1 must be told which name to check.
 */
export function makePrivatePki(serverName: string): PrivatePki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homing-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Homing Test CA');
  const issue = (name: string, subject: string, ext: string) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  issue('server', `/CN=${serverName}`, `subjectAltName=DNS:${serverName}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  issue('client', '/CN=homing-worker', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
  };
}

export interface TlsProxy {
  /** host:port of the TLS frontend. */
  address: string;
  /** Handshakes the proxy refused (e.g. no client certificate when one is required). */
  refused: string[];
  close(): Promise<void>;
}

/**
 * A TLS-terminating TCP proxy in front of a plaintext gRPC server: HTTP/2 is
 * the same bytes once TLS is off, so this is a TLS Temporal frontend. With
 * `requireClientCert` it asks for a client certificate signed by the CA (mTLS).
 */
export async function startTlsProxy(pki: PrivatePki, upstream: string, opts: { requireClientCert?: boolean } = {}): Promise<TlsProxy> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const sockets = new Set<net.Socket>();
  const refused: string[] = [];
  const server = tls.createServer(
    {
      cert: pki.serverCert,
      key: pki.serverKey,
      ALPNProtocols: ['h2'],
      ...(opts.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: pki.ca } : {}),
    },
    (client) => {
      const backend = net.connect({ host, port });
      for (const s of [client, backend]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          sockets.delete(s);
          client.destroy();
          backend.destroy();
        });
      }
      client.pipe(backend).pipe(client);
    },
  );
  server.on('tlsClientError', (err) => refused.push(err.message));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

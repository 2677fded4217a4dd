/**
 * The baseline: the least a Node HTTP endpoint can do with the same requests.
 * Reads the body, JSON.parse's it, answers 200 {"ok":true}. A process of its
 * own, as Homing's API is the only thing on its event loop during its phases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const OK = Buffer.from('{"ok":true}');

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK.length }).end(OK);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});
process.on('disconnect', () => process.exit(0));

/**
 * The automation bench's mail server: a real SMTP server (`smtp-server`) in a
 * process of its own, forked by the bench, as a mail relay would be on another
 * host. It notes when it answered each message's DATA with 250 (the moment the
 * email counts as accepted), keyed by the `[<prefix>-<n>]` the bench's template
 * renders into the subject, and tells the bench on request.
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

export type ReceiverRequest = { id: number; cmd: 'count' | 'collect'; prefix: string };
export type ReceiverReply = {
  id: number;
  /** Messages of the prefix accepted so far (count and collect). */
  count: number;
  /** collect: [n, wall-clock ms of the 250 answer] of each first acceptance. */
  accepted?: Array<[number, number]>;
  /** Messages whose key had been accepted before (a run that sent twice). */
  duplicates: number;
  /** Messages without a bench key in the subject. */
  unkeyed: number;
};

const wallNow = () => performance.timeOrigin + performance.now();
const byPrefix = new Map<string, Map<number, number>>();
let duplicates = 0;
let unkeyed = 0;

/** The subject header of the raw message, without parsing the rest. */
function keyOf(raw: string): { prefix: string; n: number } | undefined {
  const end = raw.search(/\r?\n\r?\n/);
  const head = end >= 0 ? raw.slice(0, end) : raw;
  const m = /^subject:.*\[([^\]\s]+)-(\d+)\]/im.exec(head);
  return m ? { prefix: m[1]!, n: Number(m[2]) } : undefined;
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  // A reverse DNS lookup per connection is the receiving host's business, not Homing's.
  disableReverseLookup: true,
  logger: false,
  onData(stream: SMTPServerDataStream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const key = keyOf(Buffer.concat(chunks).toString('utf8'));
      callback(null, 'OK: queued');
      const at = wallNow();
      if (!key) {
        unkeyed++;
        return;
      }
      const seen = byPrefix.get(key.prefix) ?? new Map<number, number>();
      byPrefix.set(key.prefix, seen);
      if (seen.has(key.n)) duplicates++;
      else seen.set(key.n, at);
    });
  },
});
server.on('error', () => undefined); // a client dropping its connection is not the bench's concern

server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.server.address() as AddressInfo).port });
});

process.on('message', (msg: ReceiverRequest) => {
  const seen = byPrefix.get(msg.prefix) ?? new Map<number, number>();
  const reply: ReceiverReply = { id: msg.id, count: seen.size, duplicates, unkeyed };
  if (msg.cmd === 'collect') reply.accepted = [...seen];
  process.send!(reply);
});
process.on('disconnect', () => process.exit(0));

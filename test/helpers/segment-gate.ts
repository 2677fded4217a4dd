import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** Sits between Homing and the Segment sink and can hold batches, so a test acts while an export is in flight. */
export interface SegmentGate {
  url: string;
  held: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startSegmentGate(target: string): Promise<SegmentGate> {
  let holding = false;
  let waiting: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = async () => {
        const answer = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
      };
      if (holding) waiting.push(() => void forward());
      else void forward();
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    get held() {
      return waiting.length;
    },
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const go of waiting) go();
      waiting = [];
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

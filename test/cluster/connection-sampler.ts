import { Client } from 'pg';

export interface ConnectionPeaks {
  /** Most client connections seen at once (the sampler's own included). */
  total: number;
  /** Most seen at once per database (Temporal cannot set application_name, so per database is what separates it). */
  byDatabase: Record<string, number>;
  samples: number;
}

/**
 * Samples pg_stat_activity every `intervalMs` on its own connection, to size
 * max_connections against what the topology really opens.
 */
export async function sampleConnections(url: string, intervalMs = 250): Promise<{ peaks: ConnectionPeaks; stop(): Promise<ConnectionPeaks> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const peaks: ConnectionPeaks = { total: 0, byDatabase: {}, samples: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { rows } = await client.query<{ datname: string; n: number }>(
          "SELECT coalesce(datname, '') AS datname, count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1",
        );
        peaks.samples++;
        peaks.total = Math.max(peaks.total, rows.reduce((sum, r) => sum + r.n, 0));
        for (const r of rows) peaks.byDatabase[r.datname] = Math.max(peaks.byDatabase[r.datname] ?? 0, r.n);
      } catch {
        // a sample lost under load says nothing about the peak: take the next one
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    peaks,
    async stop() {
      stopped = true;
      await loop;
      await client.end().catch(() => undefined);
      return peaks;
    },
  };
}

import type { Pool, PoolClient } from 'pg';
import type { RunConsent } from '../../workflows/types';

type Queryable = Pick<PoolClient, 'query'>;

export type Trigger = { type: 'track'; event: string } | { type: 'identify' } | { type: 'audience'; audience: string };

export interface MappingDefinition {
  name: string;
  status: 'draft' | 'published';
  trigger: Trigger;
  automation: string;
  params: Record<string, unknown>;
  cancelOn: string[];
  /** Unset: the automation's, else transactional (marketing when a topic is named). */
  category?: RunConsent['category'];
  topic?: string;
  /** Per channel, sending hours over the installation's (null: none). */
  sendingHours?: RunConsent['sendingHours'];
}

/** The mapping fields kept in its `consent` column. */
type ConsentFields = Pick<MappingDefinition, 'category' | 'topic' | 'sendingHours'>;

export interface Mapping extends MappingDefinition {
  id: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

interface MappingRow {
  id: string;
  name: string;
  status: 'draft' | 'published';
  version: number;
  trigger_type: Trigger['type'];
  trigger_key: string | null;
  automation: string;
  params: Record<string, unknown>;
  cancel_on: string[];
  consent: ConsentFields;
  created_at: Date;
  updated_at: Date;
}

const triggerKey = (t: Trigger) => (t.type === 'track' ? t.event : t.type === 'audience' ? t.audience : null);

function toMapping(r: MappingRow): Mapping {
  const trigger: Trigger =
    r.trigger_type === 'track' ? { type: 'track', event: r.trigger_key! } : r.trigger_type === 'audience' ? { type: 'audience', audience: r.trigger_key! } : { type: 'identify' };
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    version: r.version,
    trigger,
    automation: r.automation,
    params: r.params,
    cancelOn: r.cancel_on,
    ...r.consent,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Writes a mapping (version 1 when new, the next version otherwise) and keeps
 * the definition of that version, which the runs started from it refer to.
 */
export async function saveMapping(q: Queryable, id: string, d: MappingDefinition, mode: 'create' | 'update'): Promise<Mapping | undefined> {
  const consent: ConsentFields = { category: d.category, topic: d.topic, sendingHours: d.sendingHours };
  const values = [id, d.name, d.status, d.trigger.type, triggerKey(d.trigger), d.automation, d.params, d.cancelOn, JSON.stringify(consent)];
  const sql =
    mode === 'create'
      ? `INSERT INTO mappings (id, name, status, version, trigger_type, trigger_key, automation, params, cancel_on, consent)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING *`
      : `UPDATE mappings SET name = $2, status = $3, version = version + 1, trigger_type = $4, trigger_key = $5,
           automation = $6, params = $7, cancel_on = $8, consent = $9, updated_at = now()
         WHERE id = $1 RETURNING *`;
  const row = (await q.query<MappingRow>(sql, values)).rows[0];
  if (!row) return undefined;
  const mapping = toMapping(row);
  await q.query('INSERT INTO mapping_versions (mapping_id, version, definition) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [id, mapping.version, d]);
  return mapping;
}

export async function getMapping(q: Queryable, id: string): Promise<Mapping | undefined> {
  const row = (await q.query<MappingRow>('SELECT * FROM mappings WHERE id = $1', [id])).rows[0];
  return row && toMapping(row);
}

export interface MappingVersion {
  version: number;
  definition: MappingDefinition;
  createdAt: Date;
}

/** Every saved version of a mapping, newest first; kept after the mapping is deleted, as its runs refer to them. */
export async function listMappingVersions(q: Queryable, id: string): Promise<MappingVersion[]> {
  const { rows } = await q.query<{ version: number; definition: MappingDefinition; created_at: Date }>(
    'SELECT version, definition, created_at FROM mapping_versions WHERE mapping_id = $1 ORDER BY version DESC',
    [id],
  );
  return rows.map((r) => ({ version: r.version, definition: r.definition, createdAt: r.created_at }));
}

export async function listMappings(pool: Pool): Promise<Mapping[]> {
  return (await pool.query<MappingRow>('SELECT * FROM mappings ORDER BY id')).rows.map(toMapping);
}

export async function deleteMapping(q: Queryable, id: string): Promise<boolean> {
  return (await q.query('DELETE FROM mappings WHERE id = $1', [id])).rowCount === 1;
}

/** Published mappings that a trigger starts. */
export async function mappingsTriggeredBy(q: Queryable, trigger: Trigger): Promise<Mapping[]> {
  const { rows } = await q.query<MappingRow>(
    `SELECT * FROM mappings WHERE status = 'published' AND trigger_type = $1 AND trigger_key IS NOT DISTINCT FROM $2 ORDER BY id`,
    [trigger.type, triggerKey(trigger)],
  );
  return rows.map(toMapping);
}

/** Ids of published mappings whose runs a track event of this name cancels. */
export async function mappingsCanceledBy(q: Queryable, event: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(`SELECT id FROM mappings WHERE status = 'published' AND cancel_on @> ARRAY[$1]`, [event]);
  return rows.map((r) => r.id);
}

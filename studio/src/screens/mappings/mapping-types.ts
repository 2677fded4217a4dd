import type { paths } from '../../../generated/api';

/** A mapping as the API answers it, and the body that replaces one (PUT /api/mappings/:id). */
export type Mapping = paths['/api/mappings/{id}']['get']['responses'][200]['content']['application/json'];
export type MappingBody = paths['/api/mappings/{id}']['put']['requestBody']['content']['application/json'];
export type MappingVersion = paths['/api/mappings/{id}/versions']['get']['responses'][200]['content']['application/json']['versions'][number];
export type Trigger = Mapping['trigger'];

/** A trigger in words: “track Trial Started”, “first identify”, “enters audience vip”. */
export function triggerText(t: Trigger): string {
  if (t.type === 'track') return `track “${t.event}”`;
  if (t.type === 'audience') return `enters audience “${t.audience}”`;
  return 'first identify';
}

/** What PUT needs to save a mapping as it is, but for the changes given. */
export function bodyOf(m: Mapping, changes: Partial<MappingBody> = {}): MappingBody {
  const { id: _id, version: _version, createdAt: _created, updatedAt: _updated, ...definition } = m;
  return { ...definition, ...changes };
}

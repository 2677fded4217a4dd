import type { ReactNode } from 'react';
import { EditMapping } from './edit-mapping';
import { MappingDetail } from './mapping-detail';
import { MappingList } from './mapping-list';
import { NewMapping } from './new-mapping';

/** The screen for a /mappings path: list, new, one mapping, its edit form; undefined when the path is not one of them. */
export function mappingScreen(path: string): ReactNode | undefined {
  if (path === '/mappings') return <MappingList />;
  if (path === '/mappings/new') return <NewMapping />;
  const match = /^\/mappings\/([^/]+)(\/edit)?$/.exec(path);
  if (!match) return undefined;
  let id: string;
  try {
    id = decodeURIComponent(match[1]!);
  } catch {
    return undefined; // a malformed %-escape: not found
  }
  // Keyed by id: moving between mappings starts each screen fresh.
  return match[2] ? <EditMapping key={id} id={id} /> : <MappingDetail key={id} id={id} />;
}

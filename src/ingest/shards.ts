/**
 * Profile changes are applied by one Temporal workflow per shard; a user's
 * events always land in the same shard, so they apply in arrival order.
 * Changing this number re-homes users, so it is fixed.
 */
export const SHARD_COUNT = 8;

/** FNV-1a over the id: stable across processes and versions. */
export function shardOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % SHARD_COUNT;
}

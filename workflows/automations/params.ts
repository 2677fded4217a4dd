import { z } from '../../src/sdk/automation';

/** Durations as Temporal takes them: "90s", "15m", "24h", "2d". */
export const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration like "30s", "15m", "24h" or "2d"');

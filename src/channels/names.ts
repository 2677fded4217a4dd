/**
 * The names of the registered channels, in a module with no imports so that
 * workflow code (which must not load Node code) can list them too. The
 * registry (index.ts) must have exactly these keys: the compiler checks it.
 */
export const CHANNEL_NAMES = ['email', 'sms', 'slack', 'whatsapp'] as const;

export type Channel = (typeof CHANNEL_NAMES)[number];

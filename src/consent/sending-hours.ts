import type { Channel } from '../channels/names';
import type { RunConsent, SendingHours } from '../../workflows/types';
import { msUntilWindow } from '../../workflows/local-time';

/**
 * When a marketing send outside the recipient's sending hours may go: the
 * next opening of the window in their zone (ms), or undefined to send now.
 * The mapping's hours for the channel win over the installation's; a mapping
 * that sets null for a channel has none. Transactional messages are never held.
 */
export function heldUntil(consent: RunConsent, channel: Channel, installation: Partial<Record<Channel, SendingHours>>, timeZone: string, at: number): number | undefined {
  if (consent.category !== 'marketing') return undefined;
  const own = consent.sendingHours?.[channel];
  const hours = own === undefined ? installation[channel] : own;
  if (!hours) return undefined;
  const wait = msUntilWindow(at, hours, timeZone);
  return wait === 0 ? undefined : at + wait;
}

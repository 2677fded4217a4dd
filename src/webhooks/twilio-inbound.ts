import { z } from 'zod';
import { pgText } from '../db/pg-bounds';

/** The fields of an incoming message (Twilio's Messaging webhook) that Homing reads; Twilio posts more (To, NumMedia, FromCountry…). */
export const twilioInboundMessage = z.object({
  MessageSid: pgText().min(1),
  From: pgText().min(1),
  To: pgText().optional(),
  // Empty for a picture alone.
  Body: pgText().default(''),
  /** STOP, START or HELP: Advanced Opt-Out's verdict, sent when the number's Messaging Service has it enabled. */
  OptOutType: pgText().optional(),
});
export type TwilioInboundMessage = z.infer<typeof twilioInboundMessage>;

// Twilio's own default keywords (its STOP filtering), so Homing suppresses exactly the numbers Twilio blocks and lifts
// what Twilio lifts: YES opts in on long codes; a number Twilio still blocks is opted out again by its 21610 on the next send.
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const OPT_IN = new Set(['START', 'UNSTOP', 'YES']);

/**
 * Whether a reply opts its number out or back in. Twilio's verdict when it
 * gives one (it knows the service's custom and localised keywords); else a
 * keyword as the whole message, trimmed, in any case: "please don't stop" is
 * not an opt-out, as it is not for Twilio.
 */
export function inboundIntent(m: TwilioInboundMessage): 'opt-out' | 'opt-in' | undefined {
  if (m.OptOutType) {
    const verdict = m.OptOutType.toUpperCase();
    return verdict === 'STOP' ? 'opt-out' : verdict === 'START' ? 'opt-in' : undefined;
  }
  const word = m.Body.trim().toUpperCase();
  return OPT_OUT.has(word) ? 'opt-out' : OPT_IN.has(word) ? 'opt-in' : undefined;
}

/** The answer to an incoming message: no reply from Homing (Twilio sends its own confirmation of STOP and START). */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

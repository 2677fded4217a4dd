import { inboundIntent, twilioInboundMessage } from '../../src/webhooks/twilio-inbound';
import { sendgridEvent, sendgridSignal, sendgridStatusChange } from '../../src/webhooks/sendgrid';

/** What a Twilio reply or a SendGrid event means for consent, before anything is stored. */
describe('Twilio inbound keywords', () => {
  const intent = (Body: string, OptOutType?: string) => inboundIntent(twilioInboundMessage.parse({ From: '+15551230000', Body, MessageSid: 'SM1', OptOutType }));

  it('opt-out and opt-in keywords match as the whole message, trimmed, in any case', () => {
    for (const body of ['STOP', 'stop', ' Stop\n', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'REVOKE', 'OptOut']) expect([body, intent(body)]).toEqual([body, 'opt-out']);
    for (const body of ['START', 'start ', 'UNSTOP', 'Yes']) expect([body, intent(body)]).toEqual([body, 'opt-in']);
  });

  it('a keyword inside a longer message, punctuation or HELP changes nothing', () => {
    for (const body of ["please don't stop", 'STOP PLEASE', 'stop!', 'S T O P', 'start over', 'HELP', '', 'yes please']) expect([body, intent(body)]).toEqual([body, undefined]);
  });

  it("Twilio's Advanced Opt-Out verdict (OptOutType) wins over the keyword list: custom and localised keywords", () => {
    expect(intent('ARRET', 'STOP')).toBe('opt-out');
    expect(intent('ALTA', 'START')).toBe('opt-in');
    expect(intent('STOP', 'HELP')).toBeUndefined();
  });

  it('From and MessageSid are required; Body may be empty (a picture alone)', () => {
    expect(twilioInboundMessage.safeParse({ Body: 'STOP', MessageSid: 'SM1' }).success).toBe(false);
    expect(twilioInboundMessage.safeParse({ From: '+15551230000', Body: 'STOP' }).success).toBe(false);
    expect(twilioInboundMessage.parse({ From: '+15551230000', MessageSid: 'SM1' }).Body).toBe('');
  });
});

describe('SendGrid events', () => {
  const event = (fields: Record<string, unknown>) => sendgridEvent.parse({ sg_event_id: 'ev1', email: 'ada@example.com', ...fields });

  it('a hard bounce, a spam report and a drop for a suppressed address suppress it; a block (soft bounce) does not', () => {
    expect(sendgridSignal(event({ event: 'bounce', type: 'bounce' }))).toEqual({ kind: 'suppress', reason: 'bounced' });
    expect(sendgridSignal(event({ event: 'bounce', type: 'blocked' }))).toBeUndefined();
    expect(sendgridSignal(event({ event: 'spamreport' }))).toEqual({ kind: 'opt-out', reason: 'spam-complaint' });
    expect(sendgridSignal(event({ event: 'dropped', reason: 'Bounced Address' }))).toEqual({ kind: 'suppress', reason: 'bounced' });
    expect(sendgridSignal(event({ event: 'dropped', reason: 'Invalid' }))).toEqual({ kind: 'suppress', reason: 'bounced' });
    expect(sendgridSignal(event({ event: 'dropped', reason: 'Spam Reporting Address' }))).toEqual({ kind: 'opt-out', reason: 'spam-complaint' });
    expect(sendgridSignal(event({ event: 'dropped', reason: 'Unsubscribed Address' }))).toEqual({ kind: 'opt-out', reason: 'opted-out' });
    for (const reason of ['Invalid SMTPAPI header', 'Spam Content (if spam checker app enabled)', 'Recipient List over Package Quota', undefined]) {
      expect(sendgridSignal(event({ event: 'dropped', reason }))).toBeUndefined();
    }
  });

  it("unsubscribes unsubscribe the message's person; other events signal nothing", () => {
    expect(sendgridSignal(event({ event: 'unsubscribe' }))).toEqual({ kind: 'unsubscribe' });
    expect(sendgridSignal(event({ event: 'group_unsubscribe', asm_group_id: 42 }))).toEqual({ kind: 'unsubscribe' });
    for (const name of ['processed', 'delivered', 'open', 'click', 'deferred', 'group_resubscribe']) expect(sendgridSignal(event({ event: name }))).toBeUndefined();
  });

  it('events Homing has no use for, including names of Object.prototype members, mean nothing for the message', () => {
    for (const name of ['group_resubscribe', 'constructor', 'toString', '__proto__']) expect(sendgridStatusChange(event({ event: name }))).toBeUndefined();
  });

  it('a complaint or an unsubscribe proves delivery: the message is DELIVERED, never UNDELIVERABLE', () => {
    for (const name of ['spamreport', 'unsubscribe', 'group_unsubscribe']) expect(sendgridStatusChange(event({ event: name }))).toMatchObject({ status: 'DELIVERED', detail: { event: name } });
    expect(sendgridStatusChange(event({ event: 'group_unsubscribe', asm_group_id: 42 }))!.detail).toMatchObject({ asmGroupId: 42 });
  });

  it('a drop for a suppressed address is UNDELIVERABLE (suppressed); any other drop (failed)', () => {
    expect(sendgridStatusChange(event({ event: 'dropped', reason: 'Bounced Address' }))).toMatchObject({ status: 'UNDELIVERABLE', reason: 'suppressed' });
    expect(sendgridStatusChange(event({ event: 'dropped', reason: 'Invalid SMTPAPI header' }))).toMatchObject({ status: 'UNDELIVERABLE', reason: 'failed' });
  });

  it("an open carries SendGrid's machine-open flag (Apple Mail Privacy Protection) as sgMachineOpen", () => {
    expect(sendgridStatusChange(event({ event: 'open', sg_machine_open: true }))!.detail).toMatchObject({ sgMachineOpen: true });
    expect(sendgridStatusChange(event({ event: 'open', sg_machine_open: false }))!.detail).toMatchObject({ sgMachineOpen: false });
    expect(sendgridEvent.safeParse({ event: 'open', sg_event_id: 'e', sg_machine_open: 'yes' }).success).toBe(false);
  });
});

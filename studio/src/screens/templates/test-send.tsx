import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert, Field } from '../../components/form';
import type { Channel } from './channel-fields';
import type { PreviewContext } from './preview-context';

const ADDRESS_HINT: Record<Channel, string> = {
  email: 'An email address.',
  sms: 'A phone number in E.164 form, e.g. +14155550100.',
  whatsapp: 'A phone number in E.164 form.',
  slack: 'A Slack member or conversation id.',
};

/**
 * "Send a test": the saved draft (saved first when edited), rendered against the
 * chosen profile and logged event, through the configured provider. A test
 * records no run, message or outcome.
 */
export function TestSend({ id, channel, context, saveFirst }: { id: string; channel: Channel; context: PreviewContext; saveFirst(): Promise<void> }) {
  const [to, setTo] = useState('');
  const send = useMutation({
    mutationFn: async () => {
      await saveFirst();
      const body = { to: to.trim(), ...(context.profileId && { profileId: context.profileId }), ...(context.eventId && { eventId: context.eventId }) };
      return unwrap(await api.POST('/api/templates/{id}/test-send', { params: { path: { id } }, body }));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  return (
    <section aria-labelledby="test-send-heading">
      <h2 id="test-send-heading">Send a test</h2>
      <form onSubmit={submit}>
        <Field label="Send a test to" hint={`${ADDRESS_HINT[channel]} Uses the profile and logged event chosen for the preview.`} required>
          {(props) => <input {...props} value={to} onChange={(e) => setTo(e.target.value)} autoComplete="off" />}
        </Field>
        <button type="submit" className="secondary" disabled={send.isPending || to.trim() === ''}>
          Send test
        </button>
      </form>
      {send.error && <ErrorAlert>Test not sent: {send.error.message}</ErrorAlert>}
      <p role="status">{send.data && `Test sent to ${send.data.to} through ${send.data.provider} (${send.data.messageId}).`}</p>
    </section>
  );
}

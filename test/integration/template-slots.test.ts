import { startHoming, type TestHoming } from '../helpers/homing';

/** POST /api/automations/:id/template-slots: which channel each template parameter needs, worked out by the definition itself. */
let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming({ worker: false });
}, 60_000);
afterAll(() => homing?.stop());

const slots = (id: string, params: Record<string, unknown>) => homing.admin(`/api/automations/${id}/template-slots`, { method: 'POST', body: { params } });

it('answers the fixed channels of email-then-sms', async () => {
  expect((await slots('email-then-sms', {})).body).toEqual({
    slots: [
      { param: 'emailTemplate', channel: 'email' },
      { param: 'smsTemplate', channel: 'sms' },
    ],
  });
});

it('answers the channel a parameter chooses (single-send), and null while that parameter does not fit', async () => {
  expect((await slots('single-send', { channel: 'sms' })).body).toEqual({ slots: [{ param: 'template', channel: 'sms' }] });
  expect((await slots('single-send', { channel: 'slack' })).body).toEqual({ slots: [{ param: 'template', channel: 'slack' }] });
  expect((await slots('single-send', { channel: 'fax' })).body).toEqual({ slots: [{ param: 'template', channel: null }] });
});

it('is 404 for an automation not in the catalog', async () => {
  expect(await slots('nope', {})).toMatchObject({ status: 404, body: { error: 'no automation "nope"' } });
});

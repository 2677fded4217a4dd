import { API_KEY, basic, post, startHoming, type TestHoming } from '../helpers/homing';

/** The README's walk-through pastes an identify and a profile read together: the read must see the write. */
let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming();
});
afterAll(() => homing.stop());

const identify = (userId: string, traits: Record<string, unknown>) =>
  post(`${homing.url}/segment`, JSON.stringify({ type: 'identify', userId, traits }), { authorization: basic(API_KEY) });

it('a profile read right after an identify returns the identified traits', async () => {
  for (let i = 0; i < 3; i++) {
    expect((await identify(`reader-${i}`, { email: `reader-${i}@example.com`, round: i })).status).toBe(200);
    const res = await homing.admin(`/api/profiles/reader-${i}`);
    expect(res.status).toBe(200);
    expect(res.body.traits).toEqual({ email: `reader-${i}@example.com`, round: i });
  }
});

it('without queued events a missing profile is 404 at once', async () => {
  const res = await homing.admin('/api/profiles/never-seen');
  expect(res.status).toBe(404);
});

it('with the worker down the read gives up after its wait and answers with what is stored', async () => {
  await homing.stopWorker();
  try {
    expect((await identify('stalled', { email: 'stalled@example.com' })).status).toBe(200);
    const res = await homing.admin('/api/profiles/stalled');
    expect(res.status).toBe(404);
    // What an operator sees meanwhile: the backlog, and that nothing drains it.
    const metrics = await (await fetch(`${homing.url}/metrics`)).text();
    expect(metrics).toMatch(/^homing_outbox_queued_events 1$/m);
    expect(metrics).toMatch(/^homing_outcomes_pending 0$/m);
  } finally {
    await homing.startWorker();
  }
});

import { startHoming, type TestHoming } from '../helpers/homing';
import { publishMapping, publishTemplates } from '../helpers/automation';

/** GET /api/mappings/:id/versions: every saved version of a mapping, newest first, as the Studio lists them. */
let homing: TestHoming;

beforeAll(async () => {
  homing = await startHoming({ worker: false });
  await publishTemplates(homing);
}, 60_000);
afterAll(() => homing?.stop());

it("lists a mapping's versions newest first, each with its definition; a deleted mapping's versions stay readable", async () => {
  const created = await publishMapping(homing, { id: 'trial', trigger: { type: 'track', event: 'Trial Started' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' } });
  const { id: _id, version: _version, createdAt: _c, updatedAt: _u, ...definition } = created;
  expect((await homing.admin('/api/mappings/trial', { method: 'PUT', body: { ...definition, status: 'draft' } })).status).toBe(200);
  expect((await homing.admin('/api/mappings/trial', { method: 'PUT', body: { ...definition, name: 'Trial, renamed', status: 'published' } })).status).toBe(200);

  const res = await homing.admin('/api/mappings/trial/versions');
  expect(res.status).toBe(200);
  expect(res.body.versions.map((v: { version: number; definition: { status: string; name: string } }) => [v.version, v.definition.status, v.definition.name])).toEqual([
    [3, 'published', 'Trial, renamed'],
    [2, 'draft', 'trial'],
    [1, 'published', 'trial'],
  ]);
  expect(res.body.versions[2]).toMatchObject({
    definition: { trigger: { type: 'track', event: 'Trial Started' }, automation: 'single-send', params: { channel: 'email', template: 'welcome' }, cancelOn: [] },
    createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });

  // Runs refer to their mapping's version: deleting the mapping keeps the history readable.
  expect((await homing.admin('/api/mappings/trial', { method: 'DELETE' })).status).toBe(200);
  expect((await homing.admin('/api/mappings/trial/versions')).body.versions).toHaveLength(3);
});

it('answers 404 naming a mapping that never existed', async () => {
  const res = await homing.admin('/api/mappings/nope/versions');
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ error: 'no mapping "nope"' });
});

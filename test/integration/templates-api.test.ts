import { ADMIN_TOKEN, startHoming, type TestHoming } from '../helpers/homing';

let homing: TestHoming;
beforeAll(async () => {
  homing = await startHoming({ worker: false });
});
afterAll(() => homing.stop());

const welcome = {
  subject: 'Welcome, {{ profile.first_name }}',
  html: '<p>Hi {{ profile.first_name }}{% if group %} of {{ group.name }}{% endif %}</p>',
  text: 'Hi {{ profile.first_name | default: "there" }}',
};

describe('/api/templates', () => {
  it('creates, edits, publishes and previews, keeping published versions immutable', async () => {
    const created = await homing.admin('/api/templates', { method: 'POST', body: { id: 'welcome', name: 'Welcome', channel: 'email', content: welcome } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'welcome', channel: 'email', draft: welcome, publishedVersion: null, published: null, versions: [] });

    expect((await homing.admin('/api/templates/welcome/publish', { method: 'POST' })).body).toEqual({ version: 1 });
    // Publishing an unchanged draft again does not make a copy.
    expect((await homing.admin('/api/templates/welcome/publish', { method: 'POST' })).body).toEqual({ version: 1 });

    const edited = { ...welcome, subject: 'Hello again, {{ profile.first_name }}' };
    const updated = await homing.admin('/api/templates/welcome', { method: 'PUT', body: { name: 'Welcome v2', content: edited } });
    expect(updated.body).toMatchObject({ name: 'Welcome v2', draft: edited, publishedVersion: 1, published: welcome });

    const sample = { profile: { first_name: 'Ada <3' }, group: { name: 'Acme' } };
    const draft = await homing.admin('/api/templates/welcome/preview', { method: 'POST', body: sample });
    expect(draft.body).toEqual({ channel: 'email', rendered: { subject: 'Hello again, Ada <3', html: '<p>Hi Ada &lt;3 of Acme</p>', text: 'Hi Ada <3' } });
    const v1 = await homing.admin('/api/templates/welcome/preview', { method: 'POST', body: { ...sample, version: 1 } });
    expect(v1.body.rendered.subject).toBe('Welcome, Ada <3');

    expect((await homing.admin('/api/templates/welcome/publish', { method: 'POST' })).body).toEqual({ version: 2 });
    const got = await homing.admin('/api/templates/welcome');
    expect(got.body).toMatchObject({ publishedVersion: 2, published: edited, draft: edited });
    expect(got.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(typeof got.body.versions[0].publishedAt).toBe('string');

    const list = await homing.admin('/api/templates');
    expect(list.body.templates).toContainEqual(expect.objectContaining({ id: 'welcome', name: 'Welcome v2', channel: 'email', publishedVersion: 2 }));
  });

  it('generates an id and renders sms', async () => {
    const created = await homing.admin('/api/templates', { method: 'POST', body: { name: 'Nudge', channel: 'sms', content: { text: 'Still there, {{ profile.first_name }}? {{ data.url }}' } } });
    expect(created.body.id).toMatch(/^tpl_[0-9a-f]+$/);
    const preview = await homing.admin(`/api/templates/${created.body.id}/preview`, { method: 'POST', body: { profile: { first_name: 'Bo' }, data: { url: 'https://x.test/?a=1&b=2' } } });
    expect(preview.body).toEqual({ channel: 'sms', rendered: { text: 'Still there, Bo? https://x.test/?a=1&b=2' } });
  });

  it('answers bad templates and bad content with a 400 that names the problem', async () => {
    const syntax = await homing.admin('/api/templates', { method: 'POST', body: { name: 'Bad', channel: 'email', content: { subject: 'ok', html: '{% if profile.vip %}VIP' } } });
    expect(syntax.status).toBe(400);
    expect(syntax.body).toEqual({ error: 'template field "html": tag {% if profile.vip %} not closed, line:1, col:1', details: { field: 'html' } });

    const filter = await homing.admin('/api/templates', { method: 'POST', body: { name: 'Bad', channel: 'sms', content: { text: '{{ profile.name | shout }}' } } });
    expect(filter.body).toMatchObject({ error: expect.stringMatching(/undefined filter: shout/), details: { field: 'text' } });

    const noBody = await homing.admin('/api/templates', { method: 'POST', body: { name: 'Bad', channel: 'email', content: { subject: 'Hi' } } });
    expect(noBody.status).toBe(400);
    expect(noBody.body.details).toEqual([{ path: 'content', message: 'email content needs html or text (or both)' }]);

    const fax = await homing.admin('/api/templates', { method: 'POST', body: { name: 'Bad', channel: 'fax', content: { text: 'x' } } });
    expect(fax.status).toBe(400);
    expect(fax.body.details[0].path).toBe('channel');

    await homing.admin('/api/templates', { method: 'POST', body: { id: 'strict', name: 'Strict', channel: 'sms', content: { text: 'Hi {{ profile.first_name }}' } } });
    const badEdit = await homing.admin('/api/templates/strict', { method: 'PUT', body: { content: { text: 'Hi {{ profile.first_name' } } });
    expect(badEdit.status).toBe(400);
    expect(badEdit.body.details).toEqual({ field: 'text' });
    const wrongShape = await homing.admin('/api/templates/strict', { method: 'PUT', body: { content: { subject: 'Hi', text: 'x' } } });
    expect(wrongShape.body.details).toEqual([{ path: 'content', message: 'Unrecognized key: "subject"' }]);
    const channel = await homing.admin('/api/templates/strict', { method: 'PUT', body: { channel: 'email' } });
    expect(channel.status).toBe(400);
    expect(channel.body.error).toMatch(/channel cannot change: template "strict" is sms/);

    const unknown = await homing.admin('/api/templates/strict/preview', { method: 'POST', body: { profile: { name: 'Ada' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ error: 'template field "text": undefined variable: profile.first_name, line:1, col:7', details: { field: 'text' } });
    expect((await homing.admin('/api/templates/strict')).body.draft).toEqual({ text: 'Hi {{ profile.first_name }}' });
  });

  it('answers 404 for unknown templates and versions, 409 for a taken id', async () => {
    expect((await homing.admin('/api/templates/nope')).status).toBe(404);
    expect((await homing.admin('/api/templates/nope', { method: 'PUT', body: { name: 'x' } })).body).toEqual({ error: 'no template "nope"' });
    expect((await homing.admin('/api/templates/nope/publish', { method: 'POST' })).status).toBe(404);
    expect((await homing.admin('/api/templates/nope/preview', { method: 'POST', body: {} })).status).toBe(404);

    const body = { id: 'taken', name: 'Taken', channel: 'sms', content: { text: 'x' } };
    expect((await homing.admin('/api/templates', { method: 'POST', body })).status).toBe(201);
    const again = await homing.admin('/api/templates', { method: 'POST', body });
    expect(again).toEqual({ status: 409, body: { error: 'template "taken" already exists' } });
    const version = await homing.admin('/api/templates/taken/preview', { method: 'POST', body: { version: 3 } });
    expect(version).toEqual({ status: 404, body: { error: 'template "taken" has no published version 3' } });
    expect((await homing.admin('/api/templates/taken/nonsense')).body).toEqual({ error: 'no route GET /api/templates/taken/nonsense' });
  });

  it('requires the admin token', async () => {
    const res = await fetch(`${homing.url}/api/templates`);
    expect(res.status).toBe(401);
    const wrong = await fetch(`${homing.url}/api/templates/taken/publish`, { method: 'POST', headers: { authorization: 'Bearer wrong' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'wrong admin token' });
  });

  it('is documented in /openapi.json', async () => {
    const doc = (await (await fetch(`${homing.url}/openapi.json`)).json()) as any;
    expect(Object.keys(doc.paths['/api/templates']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/templates/{id}']).sort()).toEqual(['get', 'put']);
    expect(doc.paths['/api/templates/{id}/publish'].post.responses['404']).toBeDefined();
    expect(Object.keys(doc.paths['/api/templates/{id}/preview'].post.requestBody.content['application/json'].schema.properties)).toEqual(['profile', 'data', 'group', 'event', 'version', 'content']);
    expect(doc.paths['/api/templates'].post.requestBody.content['application/json'].schema.oneOf.map((o: any) => o.properties.channel.enum?.[0] ?? o.properties.channel.const)).toEqual(['email', 'sms', 'slack', 'whatsapp']);
  });

  it('documents 201 for a created template, and that email content needs html or text', async () => {
    const doc = (await (await fetch(`${homing.url}/openapi.json`)).json()) as any;
    const create = doc.paths['/api/templates'].post;
    expect(Object.keys(create.responses)).toContain('201');
    expect(create.responses['200']).toBeUndefined();
    const email = create.requestBody.content['application/json'].schema.oneOf.find((o: any) => o.properties.channel.enum?.[0] === 'email' || o.properties.channel.const === 'email');
    expect(email.properties.content.anyOf).toEqual([{ required: ['html'] }, { required: ['text'] }]);
  });

  it('PUT with no body or nothing to change → 400', async () => {
    const none = await fetch(`${homing.url}/api/templates/taken`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: string }).error).toMatch(/name or content/);
    const empty = await homing.admin('/api/templates/taken', { method: 'PUT', body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/name or content/);
  });
});

import { banner } from '../../src/banner';
import { loadConfig } from '../../src/config';

const base = { HOMING_DATA_DIR: '/tmp/homing-banner', HOMING_API_KEY: 'k', HOMING_ADMIN_TOKEN: 't', TRACKING_SECRET: 's', PORT: '3000' };
const urls = { apiUrl: 'http://localhost:3000', databaseUrl: 'postgres://homing:secret@127.0.0.1:54329/homing' };

it('shows Segment the PUBLIC_URL, and where Homing listens', () => {
  const text = banner(loadConfig({ ...base, PUBLIC_URL: 'https://homing.example.com/' }), urls);
  expect(text).toContain('Segment destination endpoint  https://homing.example.com/segment');
  expect(text).toContain(`Tracking API host (Segment libraries' "host")  https://homing.example.com\n`);
  expect(text).toContain('Listening on  http://localhost:3000  (public URL: https://homing.example.com)');
  expect(text).toContain('Management API  http://localhost:3000/api');
});

it('without PUBLIC_URL shows the local URL once, and never the Postgres password', () => {
  const text = banner(loadConfig(base), urls);
  expect(text).toContain('Segment destination endpoint  http://localhost:3000/segment');
  expect(text).not.toContain('Listening on');
  expect(text).toContain('Postgres  postgres://homing:***@127.0.0.1:54329/homing');
  expect(text).not.toContain('secret');
});

it('a HOST naming one address is the default public URL, since localhost may not reach it', () => {
  const config = loadConfig({ ...base, HOST: '127.0.0.2' });
  expect(config.publicUrl).toBe('http://127.0.0.2:3000');
  expect(banner(config, { ...urls, apiUrl: 'http://127.0.0.2:3000' })).toContain('Segment destination endpoint  http://127.0.0.2:3000/segment');
});

it('prints the Studio URL where Homing listens, signed in with the admin token', () => {
  const text = banner(loadConfig({ ...base, PUBLIC_URL: 'https://homing.example.com/' }), urls);
  expect(text).toContain('  Studio  http://localhost:3000/studio  (sign in with the admin token)\n');
});

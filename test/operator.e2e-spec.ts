import { readTestSettings } from '@mend/config';
import { newId } from '@mend/core';
import { ALL_QUEUES, JobName, JobProducer } from '@mend/queue';
import { newClinic, type ClinicContext } from '@mend/testing';

import { createTestApp, type TestApp } from './support/test-app.js';

const OPERATOR_TOKEN = 'op_test_0123456789abcdefghijklmnopqrstuvwxyz';
const PROBLEM = /^application\/problem\+json/;
const backends: Array<'postgres' | 'redis'> = readTestSettings().redisUrl ? ['postgres', 'redis'] : ['postgres'];

interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  readOnlyMode: boolean;
  jobs: Array<{ id: string; name: string; data: unknown }>;
}

describe.each(backends)('the operator queue board on the %s backend', (backend) => {
  let t: TestApp;
  let clinic: ClinicContext;
  let jobId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { OPERATOR_TOKEN, QUEUE_BACKEND: backend } });
    clinic = await newClinic(t);
    // A delayed job, so it stays put (the API process runs no workers).
    jobId = await t.app
      .get(JobProducer)
      .add(
        { name: JobName.InvitationEmail, data: { clinicId: clinic.clinicId, invitationId: newId() } },
        { delayMs: 3_600_000 },
      );
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses callers without the operator token, with a Basic challenge', async () => {
    for (const path of [
      '/admin/queues',
      '/admin/queues/api/queues',
      '/admin/queues/queue/notifications',
      '/admin/queues/static/css/main.css',
    ]) {
      const res = await t.http().get(path).expect(401);
      expect(res.headers['content-type']).toMatch(PROBLEM);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="mend-operator"/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it("refuses a clinic admin's access token, a wrong token of the same length and a wrong Basic password", async () => {
    await t.http().get('/admin/queues/api/queues').auth(clinic.admin.accessToken, { type: 'bearer' }).expect(401);
    const wrong = `${OPERATOR_TOKEN.slice(0, -1)}_`;
    await t.http().get('/admin/queues/api/queues').auth(wrong, { type: 'bearer' }).expect(401);
    await t.http().get('/admin/queues/api/queues').auth('operator', wrong).expect(401);
    await t.http().get('/admin/queues/api/queues').set('Authorization', `Token ${OPERATOR_TOKEN}`).expect(401);
    await t.http().get('/admin/queues/api/queues').set('Authorization', `Bearer ${OPERATOR_TOKEN} extra`).expect(401);
  });

  it('shows the board page to the operator token', async () => {
    const res = await t.http().get('/admin/queues').auth(OPERATOR_TOKEN, { type: 'bearer' }).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('<title>Mend queues</title>');
    expect(res.text).toContain('<base href="/admin/queues/"');
    expect(res.headers['cache-control']).toBe('no-store');
    // The API's CSP forbids <base>, which the board's page needs; its own policy allows only 'self'.
    expect(res.headers['content-security-policy']).toContain("base-uri 'self'");
    expect(res.headers['content-security-policy']).toContain("script-src 'self';");
    // Its scripts load with the same credentials (Basic, as a browser sends them).
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(res.text)![1];
    await t.http().get(`/admin/queues/${script}`).auth('operator', OPERATOR_TOKEN).expect(200);
    await t.http().get(`/admin/queues/${script}`).expect(401);
  });

  it("lists every registry queue with its jobs through Bull Board's API, read-only", async () => {
    const res = await t
      .http()
      .get('/admin/queues/api/queues?activeQueue=notifications&status=delayed&page=1')
      .auth(OPERATOR_TOKEN, { type: 'bearer' })
      .expect(200);
    const queues = res.body.queues as BoardQueue[];
    expect(queues.map((q) => q.name).sort()).toEqual([...ALL_QUEUES].sort());
    const notifications = queues.find((q) => q.name === 'notifications')!;
    expect(notifications.readOnlyMode).toBe(true);
    expect(notifications.counts.delayed).toBeGreaterThanOrEqual(1);
    expect(notifications.jobs.map((j) => j.id)).toContain(jobId);
    // Actions are refused on a read-only board.
    const pause = await t
      .http()
      .put('/admin/queues/api/queues/notifications/pause')
      .auth(OPERATOR_TOKEN, { type: 'bearer' });
    expect(pause.status).toBe(405);
  });

  it('is not part of the public API document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
  });
});

describe('the operator queue board without OPERATOR_TOKEN', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is not mounted at all', async () => {
    const res = await t.http().get('/admin/queues').auth(OPERATOR_TOKEN, { type: 'bearer' }).expect(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    await t.http().get('/admin/queues/api/queues').expect(404);
  });
});

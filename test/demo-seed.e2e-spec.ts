/**
 * The demo started shortly after midnight UTC — still the evening before in the Americas — gives
 * both demo partners tonight's trust pulse, open now. Seeding on the UTC date used to start the
 * pulse tomorrow, so a newcomer trying the demo at that hour saw nothing due.
 */
import { DateTime } from 'luxon';

import { suiteClock } from '@mend/testing';

import { DEMO_PARTNERS } from '../scripts/seed-demo-couple.js';
import { DEMO_CLINIC, DEMO_PASSWORD, seedDemo } from '../scripts/seed-demo.js';
import { createTestApp, type TestApp } from './support/test-app.js';

// 00:30 UTC on a winter Friday: 19:30 Thursday in New York, 18:30 in Chicago.
const HALF_PAST_MIDNIGHT_UTC = '2027-01-15T00:30:00Z';

interface MyAssignment {
  schedule: { type: string; rrule?: string };
  occurrences: Array<{ dueAt: string; state: string }>;
}

describe('the demo at 00:30 UTC', () => {
  let t: TestApp;

  beforeAll(async () => {
    suiteClock.pinTo(HALF_PAST_MIDNIGHT_UTC);
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    const report = await seedDemo(`http://127.0.0.1:${port}`, t.db.appUrl, suiteClock);
    expect(report.warnings).toEqual([]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each(DEMO_PARTNERS.map((p) => [p.name, p.email, p.timezone]))(
    "%s has tonight's pulse, open now",
    async (_name, email, zone) => {
      const login = await t
        .http()
        .post('/v1/auth/login')
        .send({ clinic: DEMO_CLINIC.slug, email, password: DEMO_PASSWORD })
        .expect(200);
      const mine = await t
        .http()
        .get('/v1/me/assignments')
        .auth(login.body.accessToken, { type: 'bearer' })
        .expect(200);
      const pulse = (mine.body.data as MyAssignment[]).find(
        (a) => a.schedule.type === 'recurring' && a.schedule.rrule?.startsWith('FREQ=DAILY'),
      );
      expect(pulse).toBeDefined();

      const tonight = DateTime.fromISO(HALF_PAST_MIDNIGHT_UTC).setZone(zone);
      expect(tonight.hour).toBeLessThan(20); // still the evening before the UTC date
      const due = pulse!.occurrences.find(
        (o) => DateTime.fromISO(o.dueAt).setZone(zone).toISODate() === tonight.toISODate(),
      );
      expect(due).toBeDefined();
      expect(DateTime.fromISO(due!.dueAt).setZone(zone).toFormat('HH:mm')).toBe('20:00');
      expect(due!.state).toBe('due');
    },
  );
});

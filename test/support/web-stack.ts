import type { INestApplicationContext } from '@nestjs/common';

import { TenantDatabase } from '@mend/database';
import { suiteClock } from '@mend/testing';

import { createWorkerApp } from '../../apps/worker/src/worker.bootstrap.js';
import { DEMO_CLINIC, seedDemo } from '../../scripts/seed-demo.js';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher.js';
import { createTestApp, type TestApp } from './test-app.js';

/**
 * The real API (serving the built web app from dist/web), the real worker and an in-test SMTP
 * server, listening on a loopback port, with the demo clinic seeded through the API.
 */
export interface WebStack {
  t: TestApp;
  worker: INestApplicationContext;
  smtp: SmtpCatcher;
  origin: string;
  db: TenantDatabase;
  clinicId: string;
  close(): Promise<void>;
}

export async function startWebStack(env: Record<string, string> = {}): Promise<WebStack> {
  const smtp = await startSmtpCatcher();
  const t = await createTestApp({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'Mend <no-reply@mend.test>',
      OUTBOX_RELAY_INTERVAL_MS: '50',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      ...env,
    },
  });
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address() as { port: number };
  const origin = `http://127.0.0.1:${address.port}`;
  // Links in emails follow the public URL, known only once the port is.
  t.config.http.publicUrl = origin;
  const worker = await createWorkerApp(t.config);
  const seeded = await seedDemo(origin, t.db.appUrl, suiteClock);
  if (seeded.warnings.length) throw new Error(`demo seed: ${seeded.warnings.join('; ')}`);
  const db = t.app.get(TenantDatabase);
  const clinicId = (await db.source.query(`SELECT mend_clinic_id_by_slug($1) AS id`, [DEMO_CLINIC.slug]))[0]
    .id as string;
  return {
    t,
    worker,
    smtp,
    origin,
    db,
    clinicId,
    async close() {
      await worker.close();
      await t.close();
      await smtp.close();
    },
  };
}

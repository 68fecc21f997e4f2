/**
 * Demo data for the one-command launcher, created through the public HTTP API (so it goes
 * through validation, hashing, audit and RLS exactly like real use). Every step first checks
 * whether its result already exists, so a second start seeds nothing twice.
 *
 * The password is a fixed, documented demo value: this data only ever lives on the machine
 * of someone trying Mend out. Later steps (couples, exercises, check-ins) go in `seedDemo`
 * after the staff, each as its own `ensure…` function.
 */
import { randomUUID } from 'node:crypto';

import { Clock } from '@mend/core';

import { DEMO_PARTNERS, seedDemoCouple } from './seed-demo-couple.js';

export const DEMO_CLINIC = {
  name: 'Harbor Couples Clinic',
  slug: 'demo',
  timezone: 'America/New_York',
} as const;

export const DEMO_PASSWORD = 'demo-password-1';

export interface DemoLogin {
  role: 'admin' | 'therapist' | 'client';
  name: string;
  email: string;
  password: string;
}

export const DEMO_ADMIN: DemoLogin = {
  role: 'admin',
  name: 'Avery Admin',
  email: 'admin@demo.mend.local',
  password: DEMO_PASSWORD,
};
export const DEMO_THERAPIST: DemoLogin = {
  role: 'therapist',
  name: 'Theo Therapist',
  email: 'therapist@demo.mend.local',
  password: DEMO_PASSWORD,
};

export interface SeedReport {
  clinicSlug: string;
  logins: DemoLogin[];
  /** One line per step: what was created or found. */
  steps: string[];
  /** Steps that could not complete; the product still runs. */
  warnings: string[];
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** A tiny JSON client for the running API. */
export class DemoApiClient {
  constructor(private readonly baseUrl: string) {}

  async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string } = {},
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    // Creating POSTs accept an Idempotency-Key; a fresh one per call is enough for a seeder.
    if (method === 'POST') headers['idempotency-key'] = randomUUID();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, body: body as T };
  }
}

function describeProblem(body: unknown): string {
  if (body && typeof body === 'object') {
    const problem = body as { title?: string; detail?: string; errors?: Array<{ field?: string; message?: string }> };
    const parts = [
      problem.title,
      problem.detail,
      ...(problem.errors ?? []).map((e) => `${e.field ?? ''} ${e.message ?? ''}`.trim()),
    ];
    const text = parts.filter(Boolean).join('; ');
    return text ? `: ${text}` : '';
  }
  return typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '';
}

async function tryLogin(api: DemoApiClient, login: DemoLogin): Promise<Tokens | undefined> {
  const { status, body } = await api.request<Tokens>('POST', '/v1/auth/login', {
    body: { clinic: DEMO_CLINIC.slug, email: login.email, password: login.password },
  });
  if (status === 200 || status === 201) return body;
  if (status === 401) return undefined;
  throw new Error(`POST /v1/auth/login answered ${status}${describeProblem(body)}`);
}

/** The demo clinic and its admin; answers the admin's access token. */
async function ensureClinicAndAdmin(api: DemoApiClient, report: SeedReport): Promise<string | undefined> {
  const existing = await tryLogin(api, DEMO_ADMIN);
  if (existing) {
    report.steps.push(`clinic "${DEMO_CLINIC.slug}" and its admin already exist`);
    return existing.accessToken;
  }
  const { status, body } = await api.request<Tokens>('POST', '/v1/clinics', {
    body: { ...DEMO_CLINIC, admin: { name: DEMO_ADMIN.name, email: DEMO_ADMIN.email, password: DEMO_ADMIN.password } },
  });
  if (status === 409) {
    report.warnings.push(
      `a clinic with slug "${DEMO_CLINIC.slug}" exists but ${DEMO_ADMIN.email} cannot log in with the demo password ` +
        '(changed?); demo seeding skipped',
    );
    return undefined;
  }
  if (status !== 201) throw new Error(`POST /v1/clinics answered ${status}${describeProblem(body)}`);
  report.steps.push(`created clinic "${DEMO_CLINIC.slug}" with admin ${DEMO_ADMIN.email}`);
  return body.accessToken;
}

/** A staff member invited by the admin, who accepts the invitation with the demo password. */
async function ensureStaff(
  api: DemoApiClient,
  adminToken: string,
  login: DemoLogin,
  report: SeedReport,
): Promise<string | undefined> {
  const existing = await tryLogin(api, login);
  if (existing) {
    report.steps.push(`${login.role} ${login.email} already exists`);
    return existing.accessToken;
  }
  const invited = await api.request<InvitedUser>('POST', '/v1/users', {
    token: adminToken,
    body: { name: login.name, email: login.email, role: login.role },
  });
  if (invited.status === 201) {
    const tokens = await acceptInvitation(api, invited.body.invitationUrl, login.password);
    report.steps.push(`invited ${login.role} ${login.email} and accepted the invitation`);
    return tokens.accessToken;
  }
  if (invited.status !== 409)
    throw new Error(`POST /v1/users answered ${invited.status}${describeProblem(invited.body)}`);

  // The user exists but cannot log in: an earlier start stopped between invite and accept.
  // A fresh invitation finishes the job; it is refused if the invitation was accepted already.
  const userId = await findUserId(api, adminToken, login);
  const reissued = userId
    ? await api.request<InvitedUser>('POST', `/v1/users/${userId}/invitations`, { token: adminToken })
    : undefined;
  if (!reissued || reissued.status !== 201) {
    report.warnings.push(`${login.email} exists but cannot log in with the demo password (changed?)`);
    return undefined;
  }
  const tokens = await acceptInvitation(api, reissued.body.invitationUrl, login.password);
  report.steps.push(`re-invited ${login.role} ${login.email} and accepted the invitation`);
  return tokens.accessToken;
}

interface InvitedUser {
  user: { id: string; email: string };
  invitationUrl: string;
}

/** The invitation token is the last path segment of the invitation URL. */
async function acceptInvitation(api: DemoApiClient, invitationUrl: string, password: string): Promise<Tokens> {
  const token = new URL(invitationUrl).pathname.split('/').filter(Boolean).pop();
  if (!token) throw new Error(`the API answered an invitationUrl without a token: ${invitationUrl}`);
  const accepted = await api.request<Tokens>('POST', `/v1/invitations/${encodeURIComponent(token)}/accept`, {
    body: { password },
  });
  if (accepted.status !== 200 && accepted.status !== 201) {
    throw new Error(`POST /v1/invitations/…/accept answered ${accepted.status}${describeProblem(accepted.body)}`);
  }
  return accepted.body;
}

async function findUserId(api: DemoApiClient, adminToken: string, login: DemoLogin): Promise<string | undefined> {
  const { status, body } = await api.request<{ data: Array<{ id: string; email: string }> }>(
    'GET',
    `/v1/users?role=${login.role}&limit=200`,
    { token: adminToken },
  );
  if (status !== 200) return undefined;
  return body.data.find((user) => user.email === login.email)?.id;
}

/**
 * Seeds the demo clinic through the API at `baseUrl` (e.g. http://127.0.0.1:3000).
 * Throws only when the API misbehaves; "already there" and "taken by someone else" are reported.
 */
export async function seedDemo(baseUrl: string, databaseUrl?: string, clock: Clock = new Clock()): Promise<SeedReport> {
  const api = new DemoApiClient(baseUrl.replace(/\/$/, ''));
  const report: SeedReport = {
    clinicSlug: DEMO_CLINIC.slug,
    logins: [DEMO_ADMIN, DEMO_THERAPIST],
    steps: [],
    warnings: [],
  };

  const adminToken = await ensureClinicAndAdmin(api, report);
  if (!adminToken) return report;
  await ensureStaff(api, adminToken, DEMO_THERAPIST, report);
  if (databaseUrl) {
    const therapist = await tryLogin(api, DEMO_THERAPIST);
    if (therapist) {
      const step = await seedDemoCouple(api, {
        therapistToken: therapist.accessToken,
        databaseUrl,
        clinicSlug: DEMO_CLINIC.slug,
        password: DEMO_PASSWORD,
        invitationToken: (url) => url.split('/').pop()!,
        clock,
      });
      report.steps.push(step);
      report.logins.push(
        ...DEMO_PARTNERS.map((p) => ({
          role: 'client' as const,
          name: p.name,
          email: p.email,
          password: DEMO_PASSWORD,
        })),
      );
    }
  }
  return report;
}

/** Who may call each route; shared by the access, isolation and abuse suites. */
export type Rule = 'public' | 'api-key' | Array<'admin' | 'therapist' | 'client'>;
export const ALL = ['admin', 'therapist', 'client'] as Array<'admin' | 'therapist' | 'client'>;

/**
 * Who may call each route. The test fails if the OpenAPI document lists a route that is not
 * here, so every new route must state its access rule.
 */
export const ACCESS: Record<string, Rule> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'POST /v1/clinics': 'public',
  'POST /v1/auth/login': 'public',
  'POST /v1/auth/refresh': 'public',
  'POST /v1/auth/logout': ALL,
  'GET /v1/invitations/{token}': 'public',
  'POST /v1/invitations/{token}/accept': 'public',
  'GET /v1/me': ALL,
  'PATCH /v1/me': ALL,
  'POST /v1/users': ['admin'],
  'GET /v1/users': ['admin'],
  'GET /v1/users/{id}': ['admin'],
  'PATCH /v1/users/{id}': ['admin'],
  'POST /v1/users/{id}/invitations': ['admin'],
  'POST /v1/api-keys': ['admin'],
  'GET /v1/api-keys': ['admin'],
  'GET /v1/api-keys/self': 'api-key',
  'DELETE /v1/api-keys/{id}': ['admin'],
  'GET /v1/audit-events': ['admin'],
  'GET /v1/exercises': ['admin', 'therapist'],
  'GET /v1/exercises/{id}': ['admin', 'therapist'],
  'POST /v1/exercises': ['admin', 'therapist'],
  'PATCH /v1/exercises/{id}': ['admin', 'therapist'],
  'POST /v1/couples': ['admin', 'therapist'],
  'GET /v1/couples': ['admin', 'therapist'],
  'GET /v1/couples/{id}': ['admin', 'therapist'],
  'PATCH /v1/couples/{id}': ['admin', 'therapist'],
  'GET /v1/couples/{id}/export': ['admin', 'therapist'],
  'POST /v1/couples/{id}/partners/{partnerId}/invitations': ['admin', 'therapist'],
  'DELETE /v1/couples/{id}': ['admin'],
  'POST /v1/couples/{id}/assignments': ['therapist'],
  'GET /v1/couples/{id}/assignments': ['admin', 'therapist'],
  'PATCH /v1/assignments/{id}': ['therapist'],
  'GET /v1/me/assignments': ['client'],
  'POST /v1/assignments/{id}/check-ins': ['client'],
  'GET /v1/couples/{id}/check-ins': ['therapist'],
  'GET /v1/me/check-ins': ['client'],
  'POST /v1/couples/{id}/sessions': ['therapist'],
  'GET /v1/couples/{id}/sessions': ['admin', 'therapist'],
  'PATCH /v1/sessions/{id}': ['admin', 'therapist'],
  'GET /v1/couples/{id}/progress': ['therapist'],
  'GET /v1/couples/{id}/progress.svg': ['therapist'],
  'PATCH /v1/alerts/{id}': ['therapist'],
  'GET /v1/caseload': ['therapist'],
  'GET /v1/clinic/caseloads': ['admin'],
};


export const ROLES = ['admin', 'therapist', 'client'] as const;
export type Role = (typeof ROLES)[number];
export const STAFF_ROLES = ['admin', 'therapist'] as const;

export const API_KEY_SCOPES = [
  'sessions:read',
  'sessions:write',
  'couples:read',
  'webhooks:manage',
  'calendar:read',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Where a request came from, for the audit log. */
export interface RequestMeta {
  requestId: string;
  ip: string;
}

export interface UserPrincipal extends RequestMeta {
  kind: 'user';
  clinicId: string;
  userId: string;
  role: Role;
  /** The refresh-token family the access token was issued from (revoking it ends access). */
  familyId: string;
  /**
   * When the person last proved who they are in this sign-in (epoch ms; the token's `auth_time`),
   * or undefined for tokens without it: sensitive admin actions need it to be recent.
   */
  authenticatedAtMs?: number;
}

export interface ApiKeyPrincipal extends RequestMeta {
  kind: 'api_key';
  clinicId: string;
  apiKeyId: string;
  scopes: ApiKeyScope[];
}

export type Principal = UserPrincipal | ApiKeyPrincipal;

export function actorOf(principal: Principal): { actorType: 'user' | 'api_key'; actorId: string } {
  return principal.kind === 'user'
    ? { actorType: 'user', actorId: principal.userId }
    : { actorType: 'api_key', actorId: principal.apiKeyId };
}

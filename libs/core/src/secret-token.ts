import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Invitations, refresh tokens, API keys, check-in links (emailed), check-in page sessions (cookie),
 * password resets, MFA challenges (between the password and the code step of a sign-in).
 */
export type TokenKind = 'inv' | 'rt' | 'mk' | 'ci' | 'cs' | 'pr' | 'mc';

export interface IssuedToken {
  token: string;
  hash: string;
}

const SHAPE = /^(inv|rt|mk|ci|cs|pr|mc)_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Opaque secrets (invitations, refresh tokens, API keys, check-in links and page sessions): a
 * recognisable prefix, the clinic id (so the server can pin the tenant before looking the token
 * up under row-level security) and 256 random bits. Only the SHA-256 is stored; the secret's entropy makes a slow hash unnecessary.
 */
export function issueToken(kind: TokenKind, clinicId: string): IssuedToken {
  const token = `${kind}_${clinicId.replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function parseToken(kind: TokenKind, token: string): { clinicId: string; hash: string } | null {
  const match = SHAPE.exec(token);
  if (!match || match[1] !== kind) return null;
  const hex = match[2];
  const clinicId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { clinicId, hash: hashToken(token) };
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

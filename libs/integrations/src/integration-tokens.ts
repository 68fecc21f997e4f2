import { randomBytes } from 'node:crypto';

import { hashToken } from '@mend/core';

/** `cal`: a calendar feed URL; `whk`: an inbound webhook URL of a scheduling-tool integration. */
export type IntegrationTokenKind = 'cal' | 'whk';

const SHAPE = /^(cal|whk)_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/**
 * URL secrets in the shape of libs/core's tokens: a prefix, the clinic id (so the tenant is pinned
 * before the lookup under row-level security) and 256 random bits. Only the SHA-256 is stored.
 */
export function issueIntegrationToken(kind: IntegrationTokenKind, clinicId: string): { token: string; hash: string } {
  const token = `${kind}_${clinicId.replace(/-/g, '')}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export function parseIntegrationToken(
  kind: IntegrationTokenKind,
  token: string,
): { clinicId: string; hash: string } | null {
  const match = SHAPE.exec(token);
  if (!match || match[1] !== kind) return null;
  const hex = match[2];
  return {
    clinicId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    hash: hashToken(token),
  };
}

import { hashToken, redactUrl } from '@mend/core';

import {
  basePathOf,
  csrfTokenFor,
  isCsrfTokenValid,
  LINK_MAX_LIFETIME_DAYS,
  linkExpiresAt,
  linkRefusal,
  linkUrl,
  newLinkToken,
  newSessionToken,
  parseLinkToken,
  parseSessionToken,
  SESSION_IDLE_MINUTES,
  SESSION_MAX_MINUTES,
  sessionExpiresAt,
  sessionIdleExpiresAt,
  type LinkFacts,
} from './check-in-links.rules.js';

const CLINIC = '0192f0c4-7b1e-7c3a-9d2e-1234567890ab';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('check-in link tokens', () => {
  it('carry the clinic id and 256 random bits, and only their SHA-256 is kept', () => {
    const { token, hash } = newLinkToken(CLINIC);
    expect(token).toMatch(/^ci_0192f0c47b1e7c3a9d2e1234567890ab_[A-Za-z0-9_-]{43}$/);
    // 43 base64url characters = 256 bits (the issue asks for at least 128).
    expect(Buffer.from(token.split('_').slice(2).join('_'), 'base64url')).toHaveLength(32);
    expect(hash).toBe(hashToken(token));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token);
  });

  it('are never the same twice', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newLinkToken(CLINIC).token));
    expect(tokens.size).toBe(200);
  });

  it('parse back to the clinic (to pin row-level security) and the hash to look up', () => {
    const { token, hash } = newLinkToken(CLINIC);
    expect(parseLinkToken(token)).toEqual({ clinicId: CLINIC, hash });
  });

  it('refuse anything else: other token kinds, a session cookie, truncated or padded tokens', () => {
    const { token } = newLinkToken(CLINIC);
    const session = newSessionToken(CLINIC).token;
    for (const bad of [
      '',
      'ci_',
      token.slice(0, -1),
      `${token}x`,
      token.replace('ci_', 'inv_'),
      session,
      `${token}/`,
      ` ${token}`,
      token.toUpperCase(),
    ]) {
      expect(parseLinkToken(bad)).toBeNull();
    }
    expect(parseSessionToken(session)).toEqual({ clinicId: CLINIC, hash: hashToken(session) });
    expect(parseSessionToken(token)).toBeNull();
    expect(parseSessionToken(undefined)).toBeNull();
  });

  it('never reach a log: the /c/ segment is redacted and query strings dropped', () => {
    const { token } = newLinkToken(CLINIC);
    expect(redactUrl(`/c/${token}`)).toBe('/c/[redacted]');
    expect(redactUrl(`/c/${token}?utm=x`)).toBe('/c/[redacted]');
    expect(redactUrl('/check-in')).toBe('/check-in');
  });
});

describe('link lifetime', () => {
  const issuedAt = new Date('2025-03-01T12:00:00Z');

  it('ends when the occurrence closes (due + 72 h by default)', () => {
    const closesAt = new Date(issuedAt.getTime() + 75 * HOUR);
    expect(linkExpiresAt(closesAt, issuedAt)).toEqual(closesAt);
  });

  it('is never longer than 7 days after issue', () => {
    const closesAt = new Date(issuedAt.getTime() + 9 * DAY);
    expect(linkExpiresAt(closesAt, issuedAt)).toEqual(new Date(issuedAt.getTime() + LINK_MAX_LIFETIME_DAYS * DAY));
  });

  it('is built from the configured public URL (never a Host header), with its path prefix kept', () => {
    expect(linkUrl('https://mend.example/', 'ci_x')).toBe('https://mend.example/c/ci_x');
    expect(linkUrl('https://example.org/mend', 'ci_x')).toBe('https://example.org/mend/c/ci_x');
    expect(basePathOf('https://example.org/mend/')).toBe('/mend');
    expect(basePathOf('http://localhost:3000')).toBe('');
  });

  const live: LinkFacts = {
    expiresAt: new Date(issuedAt.getTime() + 3 * DAY),
    revokedAt: null,
    occurrenceClosesAt: new Date(issuedAt.getTime() + 3 * DAY),
    assignmentStatus: 'active',
    coupleStatus: 'active',
    isPartnerActive: true,
  };

  it('unlocks until it expires, is revoked, the occurrence closes, the assignment is cancelled, the couple closes or the partner leaves', () => {
    expect(linkRefusal(live, issuedAt)).toBeNull();
    expect(linkRefusal(null, issuedAt)).toBe('unknown');
    expect(linkRefusal({ ...live, revokedAt: issuedAt }, issuedAt)).toBe('revoked');
    expect(linkRefusal(live, live.expiresAt)).toBe('expired');
    expect(
      linkRefusal(
        {
          ...live,
          expiresAt: new Date(issuedAt.getTime() + 5 * DAY),
          occurrenceClosesAt: new Date(issuedAt.getTime() + HOUR),
        },
        new Date(issuedAt.getTime() + 2 * HOUR),
      ),
    ).toBe('closed');
    expect(linkRefusal({ ...live, assignmentStatus: 'cancelled' }, issuedAt)).toBe('cancelled');
    expect(linkRefusal({ ...live, assignmentStatus: 'paused' }, issuedAt)).toBeNull();
    expect(linkRefusal({ ...live, coupleStatus: 'closed' }, issuedAt)).toBe('couple_closed');
    expect(linkRefusal({ ...live, isPartnerActive: false }, issuedAt)).toBe('partner_gone');
  });
});

describe('page sessions', () => {
  const openedAt = new Date('2025-03-01T12:00:00Z');

  it('go idle after 30 minutes and end after 2 hours, or when the link expires if sooner', () => {
    const end = sessionExpiresAt(openedAt, new Date(openedAt.getTime() + DAY));
    expect(end.getTime() - openedAt.getTime()).toBe(SESSION_MAX_MINUTES * 60_000);
    expect(sessionIdleExpiresAt(openedAt, end).getTime() - openedAt.getTime()).toBe(SESSION_IDLE_MINUTES * 60_000);
    const linkEnd = new Date(openedAt.getTime() + 10 * 60_000);
    expect(sessionExpiresAt(openedAt, linkEnd)).toEqual(linkEnd);
    expect(sessionIdleExpiresAt(openedAt, linkEnd)).toEqual(linkEnd);
  });

  it("have a CSRF token derived from the link's stored hash, shared by the link's sessions and refused by any other link's", () => {
    const link = { id: '0192f0c4-0000-7000-8000-000000000001', tokenHash: newLinkToken(CLINIC).hash };
    const other = { id: '0192f0c4-0000-7000-8000-000000000002', tokenHash: newLinkToken(CLINIC).hash };
    const csrf = csrfTokenFor(link);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrf).toBe(csrfTokenFor({ ...link }));
    expect(isCsrfTokenValid(link, csrf)).toBe(true);
    expect(isCsrfTokenValid(other, csrf)).toBe(false);
    expect(isCsrfTokenValid({ ...link, id: other.id }, csrf)).toBe(false);
    expect(isCsrfTokenValid(link, `${csrf}x`)).toBe(false);
    expect(isCsrfTokenValid(link, undefined)).toBe(false);
    expect(isCsrfTokenValid(link, [csrf])).toBe(false);
    expect(csrf).not.toContain(link.tokenHash.slice(0, 16));
  });
});

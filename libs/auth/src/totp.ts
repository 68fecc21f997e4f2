import { Secret, TOTP } from 'otpauth';

/**
 * TOTP (RFC 6238) through `otpauth`: the building block of the staff second factor (issue #14).
 * Time comes from the caller (the injected clock), never from the library's own Date.now.
 * One step of drift either way is accepted, as RFC 6238 §5.2 recommends.
 */
export const TOTP_PERIOD_SECONDS = 30;

export interface TotpOptions {
  algorithm?: 'SHA1' | 'SHA256' | 'SHA512';
  digits?: number;
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads (usually as a QR code). */
export function totpUri(secretBase32: string, issuer: string, account: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

export function totpCode(secretBase32: string, at: Date, options: TotpOptions = {}): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secretBase32),
    algorithm: options.algorithm ?? 'SHA1',
    digits: options.digits ?? 6,
    period: TOTP_PERIOD_SECONDS,
    timestamp: at.getTime(),
  });
}

/** The time step the code belongs to (to refuse a replay of the same step), or null when it is wrong. */
export function verifyTotp(secretBase32: string, code: string, at: Date, options: TotpOptions = {}): number | null {
  if (!/^\d{6,8}$/.test(code)) return null;
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secretBase32),
    algorithm: options.algorithm ?? 'SHA1',
    digits: options.digits ?? 6,
    period: TOTP_PERIOD_SECONDS,
    timestamp: at.getTime(),
    window: 1,
  });
  if (delta === null) return null;
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

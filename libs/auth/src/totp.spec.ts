import { Secret } from 'otpauth';

import { totpCode, verifyTotp } from './totp.js';

/** RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's block length. */
const SEEDS = {
  SHA1: Secret.fromLatin1('12345678901234567890').base32,
  SHA256: Secret.fromLatin1('12345678901234567890123456789012').base32,
  SHA512: Secret.fromLatin1('1234567890123456789012345678901234567890123456789012345678901234').base32,
} as const;

const VECTORS: Array<[number, string, keyof typeof SEEDS]> = [
  [59, '94287082', 'SHA1'],
  [59, '46119246', 'SHA256'],
  [59, '90693936', 'SHA512'],
  [1111111109, '07081804', 'SHA1'],
  [1111111109, '68084774', 'SHA256'],
  [1111111109, '25091201', 'SHA512'],
  [1111111111, '14050471', 'SHA1'],
  [1111111111, '67062674', 'SHA256'],
  [1111111111, '99943326', 'SHA512'],
  [1234567890, '89005924', 'SHA1'],
  [1234567890, '91819424', 'SHA256'],
  [1234567890, '93441116', 'SHA512'],
  [2000000000, '69279037', 'SHA1'],
  [2000000000, '90698825', 'SHA256'],
  [2000000000, '38618901', 'SHA512'],
  [20000000000, '65353130', 'SHA1'],
  [20000000000, '77737706', 'SHA256'],
  [20000000000, '47863826', 'SHA512'],
];

describe('TOTP (RFC 6238 test vectors)', () => {
  it.each(VECTORS)('at %p s the code is %p (%s)', (seconds, expected, algorithm) => {
    const at = new Date(seconds * 1000);
    expect(totpCode(SEEDS[algorithm], at, { algorithm, digits: 8 })).toBe(expected);
    expect(verifyTotp(SEEDS[algorithm], expected, at, { algorithm, digits: 8 })).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step of drift either way and nothing further', () => {
    const at = new Date(1_111_111_111_000);
    const secret = SEEDS.SHA1;
    expect(verifyTotp(secret, totpCode(secret, new Date(at.getTime() - 30_000)), at)).not.toBeNull();
    expect(verifyTotp(secret, totpCode(secret, new Date(at.getTime() + 30_000)), at)).not.toBeNull();
    expect(verifyTotp(secret, totpCode(secret, new Date(at.getTime() - 90_000)), at)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', at)).toBeNull();
  });
});

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { ROLES, type Role } from '@mend/core';

export class QuietHoursDto {
  @ApiProperty({ example: '21:00', description: 'Local time (HH:MM) quiet hours start' })
  start: string;
  @ApiProperty({ example: '08:00', description: 'Local time (HH:MM) quiet hours end' })
  end: string;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) clinicId: string;
  @ApiProperty({ example: 'theo@clinic.example' }) email: string;
  @ApiProperty({ example: 'Theo Therapist' }) name: string;
  @ApiProperty({ enum: ROLES, example: 'therapist' }) role: Role;
  @ApiProperty({ example: 'America/New_York' }) timezone: string;
  @ApiProperty({ example: 'en' }) locale: string;
  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true, description: 'null means the clinic default' })
  quietHours: QuietHoursDto | null;
  @ApiProperty({ enum: ['invited', 'active', 'disabled'] }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
}

export class ClinicResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Harbor Couples Clinic' }) name: string;
  @ApiProperty({ example: 'harbor' }) slug: string;
  @ApiProperty({ example: 'America/New_York' }) timezone: string;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
}

export class TokenPairResponse {
  @ApiProperty({ description: 'Short-lived JWT for Authorization: Bearer' }) accessToken: string;
  @ApiProperty({ description: 'Opaque, single-use refresh token (rt_…)' }) refreshToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: string;
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expiresIn: number;
}

/** A signed-in session: login, refresh and invitation acceptance answer this (not a therapy session). */
export class SignedInResponse extends TokenPairResponse {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
}

export class SignUpResponse extends SignedInResponse {
  @ApiProperty({ type: ClinicResponse }) clinic: ClinicResponse;
}

export class MeResponse {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
  @ApiProperty({ type: ClinicResponse }) clinic: ClinicResponse;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "A partner's own couple (reach its repair plan with it); null for staff",
  })
  coupleId: string | null;
}

export class InvitedUserResponse {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
  @ApiPropertyOptional({
    description:
      "Single-use link, valid for 7 days. Development only (INVITATION_LINKS_IN_RESPONSES): in production the link goes only to the invitee's email, " +
      'so an admin cannot accept a staff invitation in someone else’s name (separation of duties).',
    example: 'https://mend.example/invitations/inv_…',
  })
  invitationUrl?: string;
  @ApiProperty({ format: 'date-time' }) invitationExpiresAt: Date;
}

/** POST /v1/users: the invitation is a secret shown once, so an Idempotency-Key replay answers the user alone. */
export class CreatedUserResponse {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
  @ApiPropertyOptional({
    description: 'Single-use link, valid for 7 days. Shown once: absent on an Idempotency-Key replay.',
    example: 'https://mend.example/v1/invitations/inv_…',
  })
  invitationUrl?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Absent on an Idempotency-Key replay, like the link' })
  invitationExpiresAt?: Date;
}

export class UserPageResponse {
  @ApiProperty({ type: [UserResponse] }) data: UserResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class InvitationPreviewResponse {
  @ApiProperty({ example: 'Harbor Couples Clinic' }) clinicName: string;
  @ApiProperty({ type: String, nullable: true, example: 'Avery Admin', description: 'Who sent the invitation' })
  inviterName: string | null;
  @ApiProperty() name: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'date-time' }) expiresAt: Date;
  @ApiProperty({ enum: ['open', 'accepted', 'expired', 'revoked'] }) status: string;
}

export class PasswordStrengthResponse {
  @ApiProperty({ minimum: 0, maximum: 4, description: 'zxcvbn score; 3 or more is accepted' }) score: number;
  @ApiProperty({ description: 'Whether the API would accept this password' }) isAcceptable: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'This is a heavily used password.' }) warning: string | null;
  @ApiProperty({ type: [String] }) suggestions: string[];
}

export class CookieSignedInResponse {
  @ApiProperty({ description: 'Short-lived JWT for Authorization: Bearer; keep it in memory only' })
  accessToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: string;
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expiresIn: number;
  @ApiProperty({ type: UserResponse }) user: UserResponse;
}

export class TotpEnrolmentResponse {
  @ApiProperty({ example: 'JBSWY3DPEHPK3PXP', description: 'Base32 secret, for typing into an authenticator by hand' })
  secret: string;
  @ApiProperty({
    example:
      'otpauth://totp/Mend:theo%40clinic.example%20(harbor)?issuer=Mend&secret=…&algorithm=SHA1&digits=6&period=30',
    description: 'Show as a QR code for the authenticator app',
  })
  otpauthUri: string;
}

export class MfaChallengeResponse {
  @ApiProperty({
    enum: [true],
    description: 'A code must follow: POST /v1/auth/login/mfa (or /v1/auth/cookie/login/mfa)',
  })
  mfaRequired: true;
  @ApiProperty({ example: 'mc_…', description: 'Single-use proof that the password was right' })
  mfaToken: string;
  @ApiProperty({ example: 300, description: 'Seconds the mfaToken stays usable' }) expiresIn: number;
  @ApiPropertyOptional({
    type: TotpEnrolmentResponse,
    description:
      'Present when the clinic requires a second factor and the user has none: add this secret to an ' +
      'authenticator app and answer its first code to finish both enrolment and sign-in',
  })
  enrolment?: TotpEnrolmentResponse;
}

export class RecoveryCodesResponse {
  @ApiProperty({
    type: [String],
    example: ['k7pq2-xv9mt'],
    description: 'Ten single-use recovery codes, shown this once (only their hashes are stored)',
  })
  recoveryCodes: string[];
}

export class MfaSignedInResponse extends SignedInResponse {
  @ApiPropertyOptional({
    type: [String],
    description: 'When the code step completed an enrolment: ten single-use recovery codes, shown this once',
  })
  recoveryCodes?: string[];
}

export class CookieMfaSignedInResponse extends CookieSignedInResponse {
  @ApiPropertyOptional({
    type: [String],
    description: 'When the code step completed an enrolment: ten single-use recovery codes, shown this once',
  })
  recoveryCodes?: string[];
}

export class MfaStatusResponse {
  @ApiProperty({ description: 'A TOTP authenticator is set up' }) enabled: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) enabledAt: Date | null;
  @ApiProperty({ description: 'Unused recovery codes' }) recoveryCodesLeft: number;
  @ApiProperty({ description: "The clinic requires a second factor of this user's role" }) required: boolean;
}

export class RecentAuthResponse {
  @ApiProperty({
    description: 'A new access token for the same sign-in whose auth_time is now: use it for sensitive actions',
  })
  accessToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: string;
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expiresIn: number;
  @ApiProperty({ format: 'date-time' }) authenticatedAt: Date;
}

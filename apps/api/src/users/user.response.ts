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
}

export class InvitedUserResponse {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
  @ApiProperty({
    description: 'Single-use link, valid for 7 days',
    example: 'https://mend.example/v1/invitations/inv_…',
  })
  invitationUrl: string;
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

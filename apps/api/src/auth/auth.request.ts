import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

import { IsIanaTimeZone } from '../http/validators.js';

/** 8–128 characters, compared in full (argon2 does not truncate); strength is checked by the service. */
const PASSWORD = { min: 8, max: 128 };

export class SignUpAdminRequest {
  @ApiProperty({ example: 'Avery Admin' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ example: 'avery@harbor.example' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'correct horse battery staple', minLength: PASSWORD.min, maxLength: PASSWORD.max })
  @IsString()
  @Length(PASSWORD.min, PASSWORD.max)
  password: string;
}

export class SignUpRequest {
  @ApiProperty({ example: 'Harbor Couples Clinic' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({
    example: 'harbor',
    description: 'Lowercase letters, digits and dashes; 3–50 characters; used at login',
  })
  @Matches(/^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/, {
    message: 'slug must be 3–50 lowercase letters, digits or dashes, not starting or ending with a dash',
  })
  slug: string;

  @ApiProperty({ example: 'America/New_York' })
  @IsIanaTimeZone()
  timezone: string;

  @ApiProperty({ type: SignUpAdminRequest })
  @ValidateNested()
  @Type(() => SignUpAdminRequest)
  admin: SignUpAdminRequest;
}

export class LoginRequest {
  @ApiProperty({ example: 'harbor', description: 'The clinic slug' })
  @IsString()
  @Length(1, 50)
  clinic: string;

  @ApiProperty({ example: 'avery@harbor.example' })
  @IsString()
  @Length(3, 254)
  email: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @Length(1, PASSWORD.max)
  password: string;
}

export class RefreshRequest {
  @ApiProperty({ example: 'rt_…' })
  @IsString()
  @Length(1, 200)
  refreshToken: string;
}

export class AcceptInvitationRequest {
  @ApiProperty({ example: 'a long passphrase', minLength: PASSWORD.min, maxLength: PASSWORD.max })
  @IsString()
  @Length(PASSWORD.min, PASSWORD.max)
  password: string;
}

export class ChangePasswordRequest {
  @ApiProperty({ description: 'The password in use now' })
  @IsString()
  @Length(1, PASSWORD.max)
  currentPassword: string;

  @ApiProperty({
    example: 'a new long passphrase',
    minLength: PASSWORD.min,
    maxLength: PASSWORD.max,
    description: 'Refused (400) when easy to guess: zxcvbn score below 3, see POST /v1/auth/password-strength',
  })
  @IsString()
  @Length(PASSWORD.min, PASSWORD.max)
  newPassword: string;
}

export class ForgotPasswordRequest {
  @ApiProperty({ example: 'harbor', description: 'The clinic slug' })
  @IsString()
  @Length(1, 50)
  clinic: string;

  @ApiProperty({ example: 'avery@harbor.example' })
  @IsString()
  @Length(3, 254)
  email: string;
}

export class ResetPasswordRequest {
  @ApiProperty({ example: 'pr_…', description: 'The token from the emailed link (/reset-password?token=…)' })
  @IsString()
  @Length(1, 200)
  token: string;

  @ApiProperty({ example: 'a new long passphrase', minLength: PASSWORD.min, maxLength: PASSWORD.max })
  @IsString()
  @Length(PASSWORD.min, PASSWORD.max)
  password: string;
}

export class PasswordStrengthRequest {
  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @Length(0, PASSWORD.max)
  password: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Words the person would use (email, name, clinic): they count as guessable',
    maxItems: 10,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(254, { each: true })
  userInputs?: string[];
}

/** A TOTP code (6 digits) or a recovery code (`xxxxx-xxxxx`). */
const CODE = { min: 6, max: 20 };

export class MfaLoginRequest {
  @ApiProperty({ example: 'mc_…', description: 'The mfaToken the password step answered' })
  @IsString()
  @Length(1, 200)
  mfaToken: string;

  @ApiProperty({
    example: '123456',
    description: 'The current code of the authenticator app, or an unused recovery code (each works once)',
  })
  @IsString()
  @Length(CODE.min, CODE.max)
  code: string;
}

export class MfaCodeRequest {
  @ApiProperty({ example: '123456', description: 'The current code of the authenticator app' })
  @IsString()
  @Length(CODE.min, CODE.max)
  code: string;
}

export class ProofRequest {
  @ApiPropertyOptional({ description: 'Your password (users without a second factor)' })
  @IsOptional()
  @IsString()
  @Length(1, PASSWORD.max)
  password?: string;

  @ApiPropertyOptional({
    example: '123456',
    description: 'A current authenticator code or an unused recovery code (required once a second factor is set up)',
  })
  @IsOptional()
  @IsString()
  @Length(CODE.min, CODE.max)
  code?: string;
}

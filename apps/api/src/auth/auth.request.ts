import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';

import { IsIanaTimeZone } from '../http/validators.js';

/** 8–128 characters, compared in full (argon2 does not truncate). */
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

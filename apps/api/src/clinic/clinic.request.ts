import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';

import { IsIanaTimeZone, IsOmittable } from '../http/validators.js';

export class UpdateClinicRequest {
  @ApiPropertyOptional({ example: 'Harbor Couples Clinic', minLength: 1, maxLength: 200 })
  @IsOmittable()
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description:
      'IANA time zone. A default only: users invited from now on get it unless they name their own, and a ' +
      'progress chart read without a zone of the reader (an API key) is drawn in it. Nobody’s own zone moves, ' +
      'so no reminder or due time moves either.',
  })
  @IsOmittable()
  @IsIanaTimeZone()
  timezone?: string;
}

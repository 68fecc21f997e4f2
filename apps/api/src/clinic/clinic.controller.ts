import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser, RecentAuth, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { ClinicService } from '@mend/identity';

import { ClinicResponse } from '../users/user.response.js';
import { UpdateClinicRequest } from './clinic.request.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('clinic')
export class ClinicController {
  constructor(private readonly clinic: ClinicService) {}

  @Get()
  @Roles('admin', 'therapist', 'client')
  @ApiOperation({ summary: "Your clinic: its name, sign-in name (slug) and time zone (the same as GET /v1/me's)" })
  @ApiOkResponse({ type: ClinicResponse })
  get(@CurrentUser() principal: UserPrincipal): Promise<ClinicResponse> {
    return this.clinic.get(principal);
  }

  @Patch()
  @Roles('admin')
  @RecentAuth()
  @ApiOperation({
    summary: 'Rename the clinic or change its time zone (admins; audited with what changed)',
    description:
      "The clinic's zone is a default: users invited from now on get it unless they name their own, and a " +
      'progress chart read without a zone of the reader (an API key) is drawn in it. Partners and therapists keep ' +
      'their own zones, so no reminder or due time moves. The sign-in name (slug) does not change.',
  })
  @ApiOkResponse({ type: ClinicResponse })
  @ApiBadRequestResponse({ description: 'A blank name or an unknown time zone' })
  update(@CurrentUser() principal: UserPrincipal, @Body() body: UpdateClinicRequest): Promise<ClinicResponse> {
    return this.clinic.update(principal, body);
  }
}

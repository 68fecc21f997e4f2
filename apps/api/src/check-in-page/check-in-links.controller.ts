import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

import { CurrentUser, Roles } from '@mend/auth';
import { CheckInLinksService } from '@mend/check-in-page';
import type { UserPrincipal } from '@mend/core';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { IsOffsetDateTime } from '../http/validators.js';

export class RevokeCheckInLinksRequest {
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2025-03-09T20:00:00-04:00',
    description: "Only the links of the occurrence due at this time; every occurrence's when absent",
  })
  @IsOptional()
  @IsOffsetDateTime('2025-03-09T20:00:00-04:00')
  occurrenceAt?: Date;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "Only the links sent to this partner; both partners' when absent",
  })
  @IsOptional()
  @IsUUID()
  partnerId?: string;
}

export class RevokeCheckInLinksResponse {
  @ApiProperty({
    example: 2,
    description: 'How many links stopped working (already revoked or expired ones are not counted)',
  })
  revoked: number;
}

@ApiTags('homework')
@ApiBearerAuth()
@Controller()
export class CheckInLinksController {
  constructor(private readonly links: CheckInLinksService) {}

  @Post('assignments/:id/check-in-links/revoke')
  @HttpCode(200)
  @Roles('therapist')
  @ApiOperation({
    summary: "Revoke the check-in links of an assignment (the couple's therapist)",
    description:
      'Reminder emails carry a personal link per partner and occurrence that opens the check-in page without signing in. Revoked links show a ' +
      'neutral "this link no longer works" page, and pages already opened from them close. Links also stop by themselves when the occurrence closes ' +
      '(at most 7 days after they were sent) or the assignment is cancelled. Audited.',
  })
  @ApiOkResponse({ type: RevokeCheckInLinksResponse })
  @ApiBadRequestResponse({ description: 'A malformed occurrenceAt or partnerId' })
  @ApiNotFoundResponse({ description: 'Not an assignment of your caseload' })
  revoke(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Assignment')) assignmentId: string,
    @Body() body: RevokeCheckInLinksRequest,
  ) {
    return this.links.revoke(principal, assignmentId, body);
  }
}

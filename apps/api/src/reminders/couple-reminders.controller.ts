import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import {
  CoupleRemindersService,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_KINDS,
  NOTIFICATION_STATES,
  SKIP_REASONS,
} from '@mend/reminders';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { PageQuery } from '../http/pagination.dto.js';

export class CoupleReminderResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'A partner or the therapist' }) recipientId: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS }) kind: string;
  @ApiProperty({ enum: NOTIFICATION_CHANNELS }) channel: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) occurrenceId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) sessionId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) alertId: string | null;
  @ApiProperty({ format: 'date-time', description: 'When it goes (or went) out' }) sendAt: Date;
  @ApiProperty({ enum: NOTIFICATION_STATES }) state: string;
  @ApiProperty({ enum: SKIP_REASONS, nullable: true, type: String }) skipReason: string | null;
  @ApiProperty({ example: 0 }) attempts: number;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'Mail was not accepted (SMTP 451)',
    description: 'An error code only',
  })
  lastError: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: Date }) sentAt: Date | null;
}

export class CoupleReminderPageResponse {
  @ApiProperty({ type: [CoupleReminderResponse] }) data: CoupleReminderResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('couples')
export class CoupleRemindersController {
  constructor(private readonly reminders: CoupleRemindersService) {}

  @Get(':id/reminders')
  @Roles('therapist')
  @ApiOperation({
    summary:
      "The couple's reminders and what became of them (scheduled, deferred, sent, skipped and why, failed), latest send first",
  })
  @ApiOkResponse({ type: CoupleReminderPageResponse })
  @ApiNotFoundResponse({ description: 'Not a couple on your caseload' })
  list(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) coupleId: string,
    @Query() query: PageQuery,
  ) {
    return this.reminders.list(principal, coupleId, { limit: query.limit, cursor: query.cursor });
  }
}

import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { InboundEventsService } from '@mend/integrations';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { InboundEventPageResponse, InboundEventResponse, ListInboundEventsQuery } from './integrations.dto.js';

/** What the clinic's scheduling tools sent, for the admin who runs the integrations. */
@ApiTags('integrations')
@ApiBearerAuth()
@Controller('inbound-events')
export class InboundEventsController {
  constructor(private readonly inboundEvents: InboundEventsService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary: 'What the scheduling tools sent, newest first, with each event’s outcome and a plain reason',
    description:
      'Every verified event is listed: applied, duplicate (the session already was so), ignored (with why), unmatched ' +
      '("no couple matches the attendees": add the couple or correct a partner’s email, then reprocess) or pending. ' +
      'Attendee emails are masked (a***@example.com). Events are kept INBOUND_EVENT_RETENTION_DAYS (default 30) and removed with an erased couple.',
  })
  @ApiOkResponse({ type: InboundEventPageResponse })
  @ApiNotFoundResponse({ description: 'integrationId is not an integration of your clinic' })
  list(@CurrentUser() principal: UserPrincipal, @Query() query: ListInboundEventsQuery) {
    return this.inboundEvents.list(principal, query);
  }

  @Post(':id/reprocess')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Apply a stored event again now, e.g. after adding the couple its attendees did not match',
    description:
      'Answers the event with its new outcome and reason (also recorded on the event, and in the audit). ' +
      'Safe on any event: a booking is applied once, and one cancelled or replaced since is not brought back.',
  })
  @ApiOkResponse({ type: InboundEventResponse })
  @ApiNotFoundResponse({ description: 'No such event in your clinic' })
  reprocess(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Inbound event')) id: string) {
    return this.inboundEvents.reprocess(principal, id);
  }
}

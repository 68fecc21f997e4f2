import { Controller, Delete, Get, Header, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CurrentUser, Public, Roles } from '@mend/auth';
import { Clock, type UserPrincipal } from '@mend/core';
import { CalendarFeedsService } from '@mend/integrations';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import { CalendarFeedListResponse, CreatedCalendarFeedResponse } from './calendar-feeds.dto.js';

@ApiTags('calendar')
@Controller()
export class CalendarFeedsController {
  constructor(
    private readonly feeds: CalendarFeedsService,
    private readonly clock: Clock,
  ) {}

  @Post('calendar-feeds')
  @Roles('therapist', 'client')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'A secret iCalendar URL for your calendar app',
    description:
      "Therapists: their sessions. Partners: their couple's sessions and their own homework due times (titled with the exercise, nothing more).",
  })
  @ApiIdempotentCreated(CreatedCalendarFeedResponse)
  async create(
    @CurrentUser() principal: UserPrincipal,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.feeds.create(principal, idempotencyKey));
  }

  @Get('calendar-feeds')
  @Roles('therapist', 'client')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Your calendar feeds (not their URLs)' })
  @ApiOkResponse({ type: CalendarFeedListResponse })
  list(@CurrentUser() principal: UserPrincipal) {
    return this.feeds.list(principal);
  }

  @Delete('calendar-feeds/:id')
  @Roles('therapist', 'client')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your calendar feeds: its URL answers 404 from now on' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'Not one of your feeds' })
  async revoke(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Calendar feed')) id: string) {
    await this.feeds.revoke(principal, id);
  }

  @Get('calendar/:token.ics')
  @Public()
  @Header('Cache-Control', 'private, max-age=300')
  @ApiProduces('text/calendar')
  @ApiOperation({ summary: 'The iCalendar feed (RFC 5545) behind a secret feed URL' })
  @ApiOkResponse({ description: 'text/calendar', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'Unknown or revoked feed' })
  async feed(@Param('token') token: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const body = await this.feeds.render(token, this.clock.now());
    void reply.header('Content-Type', 'text/calendar; charset=utf-8');
    return body;
  }
}

import { createHash } from 'node:crypto';

import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { CurrentPrincipal, CurrentUser, Public, Roles, Scopes } from '@mend/auth';
import { Clock, type Principal, type UserPrincipal } from '@mend/core';
import { CalendarFeedsService } from '@mend/integrations';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import {
  CalendarFeedListResponse,
  CreateCalendarFeedRequest,
  CreatedCalendarFeedResponse,
} from './calendar-feeds.dto.js';

/**
 * 304 only on a matching ETag (the hash of the feed): a cancelled session leaves the feed without
 * making anything in it newer, so If-Modified-Since could hide a cancellation.
 */
function isNotModified(headers: FastifyRequest['headers'], etag: string): boolean {
  const ifNoneMatch = headers['if-none-match'];
  return (
    ifNoneMatch !== undefined &&
    (ifNoneMatch === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag))
  );
}

@ApiTags('calendar')
@Controller()
export class CalendarFeedsController {
  constructor(
    private readonly feeds: CalendarFeedsService,
    private readonly clock: Clock,
  ) {}

  @Post('calendar-feeds')
  @Roles('therapist', 'client')
  @Scopes('calendar:read')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'A secret iCalendar URL for your calendar app',
    description:
      "Therapists: their sessions. Partners: their couple's sessions and their own homework due times (titled with the exercise, nothing more). " +
      'An API key with calendar:read names the therapist whose sessions the feed shows.',
  })
  @ApiIdempotentCreated(CreatedCalendarFeedResponse)
  @ApiUnprocessableEntityResponse({ description: 'therapistId is missing (API keys) or not an active therapist' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateCalendarFeedRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.feeds.create(principal, body ?? {}, idempotencyKey));
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
  @ApiOkResponse({
    description: 'text/calendar',
    schema: { type: 'string' },
    headers: {
      ETag: { description: 'Changes whenever the feed does', schema: { type: 'string' } },
      'Last-Modified': { description: 'When an event of the feed last changed', schema: { type: 'string' } },
    },
  })
  @ApiResponse({ status: 304, description: 'Not modified: If-None-Match names the current ETag' })
  @ApiNotFoundResponse({ description: 'Unknown or revoked feed' })
  async feed(
    @Param('token') token: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { body, lastModified } = await this.feeds.render(token, this.clock.now());
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
    void reply.header('ETag', etag).header('Last-Modified', lastModified.toUTCString());
    if (isNotModified(request.headers, etag)) {
      void reply.status(304);
      return '';
    }
    void reply.header('Content-Type', 'text/calendar; charset=utf-8');
    return body;
  }
}

import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CurrentPrincipal, CurrentUser, Roles, Scopes } from '@mend/auth';
import type { Principal, UserPrincipal } from '@mend/core';
import { SessionsService } from '@mend/sessions';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import {
  PartnerSessionPageResponse,
  PartnerSessionResponse,
  SessionPageResponse,
  SessionResponse,
} from './session.response.js';
import { CreateSessionRequest, ListSessionsQuery, UpdateSessionRequest } from './sessions.request.js';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller()
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('couples/:id/sessions')
  @Roles('therapist')
  @ApiOperation({ summary: 'Book a session for a couple in your caseload (status scheduled, source manual)' })
  @ApiIdempotentCreated(SessionResponse)
  @ApiBadRequestResponse({ description: 'Times missing, without an offset, or endsAt not after startsAt' })
  @ApiConflictResponse({ description: 'The couple is closed, or a request with this Idempotency-Key is still running' })
  @ApiNotFoundResponse({ description: 'Not in your caseload or clinic' })
  async create(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) id: string,
    @Body() body: CreateSessionRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.sessions.create(principal, id, body, idempotencyKey));
  }

  @Get('couples/:id/sessions')
  @Roles('therapist', 'admin')
  @Scopes('sessions:read')
  @ApiOperation({
    summary: "A couple's sessions by start time (filter from/to), cursor-paginated",
    description: "The couple's therapist gets notes (each read audited); admins get the same list without notes.",
  })
  @ApiOkResponse({ type: SessionPageResponse })
  @ApiNotFoundResponse({ description: 'Not in your caseload or clinic' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ResourceIdPipe('Couple')) id: string,
    @Query() query: ListSessionsQuery,
  ) {
    return this.sessions.list(principal, id, query);
  }

  @Get('me/sessions')
  @Roles('client')
  @ApiOperation({
    summary: "Your couple's sessions by start time (filter from/to), in your time zone, cursor-paginated",
    description:
      'For a partner: when each session is and its status. Never the therapist’s notes, either partner’s attendance, or where the booking came from. Pass from=now for the upcoming ones.',
  })
  @ApiOkResponse({ type: PartnerSessionPageResponse })
  listMine(@CurrentUser() principal: UserPrincipal, @Query() query: ListSessionsQuery) {
    return this.sessions.listMine(principal, query);
  }

  @Get('me/sessions/:id')
  @Roles('client')
  @ApiOperation({ summary: "One of your couple's sessions, in your time zone" })
  @ApiOkResponse({ type: PartnerSessionResponse })
  @ApiNotFoundResponse({ description: "Not one of your couple's sessions" })
  getMine(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Session')) id: string) {
    return this.sessions.getMine(principal, id);
  }

  @Patch('sessions/:id')
  @Roles('therapist', 'admin')
  @ApiOperation({
    summary: "Change a session's status, reschedule it, or (the couple's therapist only) write its notes",
    description:
      'Admins may change status and times but never read or write notes. Completing a session closes a progress window. ' +
      'A session a Cal.com or Calendly integration made (source calcom/calendly) is moved and cancelled in that tool: ' +
      'changing its times, or its status to scheduled or cancelled, answers 409 naming the integration; notes and completed/no_show stay open.',
  })
  @ApiOkResponse({ type: SessionResponse })
  @ApiConflictResponse({
    description: 'The session belongs to a scheduling-tool integration (named in the problem): move or cancel it there',
  })
  @ApiForbiddenResponse({ description: "notes sent by someone other than the couple's therapist" })
  @ApiUnprocessableEntityResponse({ description: 'completed or no_show for a session that has not started' })
  @ApiNotFoundResponse({ description: 'Not in your caseload or clinic' })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Session')) id: string,
    @Body() body: UpdateSessionRequest,
  ) {
    return this.sessions.update(principal, id, body);
  }
}

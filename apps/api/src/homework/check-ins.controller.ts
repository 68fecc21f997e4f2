import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { CheckInsService } from '@mend/homework';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import { ListCheckInsQuery, ListMyCheckInsQuery, SubmitCheckInRequest } from './check-ins.request.js';
import { CheckInPageResponse, CheckInResponse } from './check-ins.response.js';

@ApiTags('homework')
@ApiBearerAuth()
@Controller()
export class CheckInsController {
  constructor(private readonly checkIns: CheckInsService) {}

  @Post('assignments/:id/check-ins')
  @Roles('client')
  @ApiOperation({
    summary: 'Check in for one occurrence (a partner of the couple)',
    description:
      'Answers are checked against the form version of the assignment; each bad field is named. Accepted from 24 hours before the due time until ' +
      '72 hours after it; after the due time the check-in is marked late. One check-in per partner per occurrence (joint exercises: one per couple). ' +
      'Choose `private` (your therapist only) or `shared` (your partner may read it too). Audited.',
  })
  @ApiIdempotentCreated(CheckInResponse)
  @ApiBadRequestResponse({ description: 'Answers that do not fit the form (each field named)' })
  @ApiNotFoundResponse({ description: 'Not an assignment of your couple' })
  @ApiConflictResponse({
    description: 'Already checked in for this occurrence, or a request with this Idempotency-Key is still running',
  })
  @ApiUnprocessableEntityResponse({
    description:
      'No occurrence of yours is due at occurrenceAt, it is not open yet or already closed; or an Idempotency-Key reused with another body',
  })
  async submit(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Assignment')) assignmentId: string,
    @Body() body: SubmitCheckInRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.checkIns.submit(principal, assignmentId, body, idempotencyKey));
  }

  @Get('couples/:id/check-ins')
  @Roles('therapist')
  @ApiOperation({ summary: "A couple's check-ins with answers, newest first (its therapist; every read is audited)" })
  @ApiOkResponse({ type: CheckInPageResponse })
  @ApiNotFoundResponse({ description: 'Not a couple of your caseload' })
  listForCouple(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) coupleId: string,
    @Query() query: ListCheckInsQuery,
  ) {
    return this.checkIns.listForCouple(principal, coupleId, query);
  }

  @Get('me/check-ins')
  @Roles('client')
  @ApiOperation({
    summary: "Your check-ins and your partner's shared ones, newest first (never your partner's private ones; audited)",
  })
  @ApiOkResponse({ type: CheckInPageResponse })
  listMine(@CurrentUser() principal: UserPrincipal, @Query() query: ListMyCheckInsQuery) {
    return this.checkIns.listMine(principal, query);
  }
}

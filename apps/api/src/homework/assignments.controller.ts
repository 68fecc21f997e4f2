import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
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
import { AssignmentsService } from '@mend/homework';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import {
  CreateAssignmentRequest,
  ListAssignmentsQuery,
  toScheduleInput,
  UpdateAssignmentRequest,
} from './assignments.request.js';
import { AssignmentPageResponse, AssignmentResponse, ClientAssignmentListResponse } from './assignments.response.js';

@ApiTags('homework')
@ApiBearerAuth()
@Controller()
export class AssignmentsController {
  constructor(private readonly assignments: AssignmentsService) {}

  @Post('couples/:id/assignments')
  @Roles('therapist')
  @ApiOperation({
    summary: 'Assign an exercise to a couple (its therapist)',
    description:
      "The assignment keeps the exercise's current version. A one-off is due at `dueAt`; a recurrence is evaluated in each partner's own time zone " +
      '(daily at 20:00 is 20:00 local for each, across daylight-saving changes). Occurrences are laid out 14 days ahead and topped up as time passes; ' +
      'nothing is due before the assignment was made. Each occurrence opens for check-ins 24 hours before it is due and closes 72 hours after.',
  })
  @ApiIdempotentCreated(AssignmentResponse)
  @ApiBadRequestResponse({ description: 'Invalid schedule (each bad field is named)' })
  @ApiNotFoundResponse({ description: 'Not a couple of your caseload' })
  @ApiConflictResponse({ description: 'The couple is closed, or a request with this Idempotency-Key is still running' })
  @ApiUnprocessableEntityResponse({
    description:
      'Unknown or archived exercise, revealTogether for a joint exercise, partnerId not a partner of the couple or for a joint exercise, ' +
      'the safety check without partnerId, or an Idempotency-Key reused with another body',
  })
  async create(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) coupleId: string,
    @Body() body: CreateAssignmentRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const input = {
      exerciseId: body.exerciseId,
      schedule: toScheduleInput(body.schedule),
      instructions: body.instructions,
      reminders: body.reminders,
      revealTogether: body.revealTogether,
      partnerId: body.partnerId,
    };
    return answerIdempotent(reply, await this.assignments.create(principal, coupleId, input, idempotencyKey));
  }

  @Get('couples/:id/assignments')
  @Roles('therapist', 'admin')
  @ApiOperation({
    summary: "A couple's assignments, newest first (therapist; admins see statuses and schedules, not instructions)",
  })
  @ApiOkResponse({ type: AssignmentPageResponse })
  @ApiNotFoundResponse({ description: 'Not a couple of your caseload or clinic' })
  list(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) coupleId: string,
    @Query() query: ListAssignmentsQuery,
  ) {
    return this.assignments.list(principal, coupleId, query);
  }

  @Patch('assignments/:id')
  @Roles('therapist')
  @ApiOperation({
    summary: "Pause, resume, cancel or re-plan an assignment (its couple's therapist)",
    description:
      'A new schedule or status recomputes the future occurrences nobody answered; answered and past ones are kept. Cancelled and completed assignments no longer change.',
  })
  @ApiOkResponse({ type: AssignmentResponse })
  @ApiNotFoundResponse({ description: 'Not an assignment of your caseload' })
  @ApiConflictResponse({ description: 'The assignment is cancelled or completed' })
  @ApiUnprocessableEntityResponse({ description: 'revealTogether for a joint exercise' })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Assignment')) id: string,
    @Body() body: UpdateAssignmentRequest,
  ) {
    return this.assignments.update(principal, id, {
      status: body.status,
      schedule: body.schedule ? toScheduleInput(body.schedule) : undefined,
      instructions: body.instructions,
      reminders: body.reminders,
      revealTogether: body.revealTogether,
    });
  }

  @Get('me/assignments')
  @Roles('client')
  @ApiOperation({
    summary: "Your homework: your couple's assignments with their forms and your recent and upcoming occurrences",
    description:
      'Occurrence states: upcoming (not open yet), due (open; overdue after the due time, still accepted and marked late), done, missed (closed without a check-in).',
  })
  @ApiOkResponse({ type: ClientAssignmentListResponse })
  async listMine(@CurrentUser() principal: UserPrincipal) {
    return { data: await this.assignments.listMine(principal) };
  }
}

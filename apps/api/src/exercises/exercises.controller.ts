import { Body, Controller, Get, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { ExercisesService } from '@mend/exercises';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import { ExercisePageResponse, ExerciseResponse, FORM_EXAMPLE } from './exercise.response.js';
import { CreateExerciseRequest, ListExercisesQuery, UpdateExerciseRequest } from './exercises.request.js';

const CREATE_EXAMPLE = {
  title: 'Weekly closeness check',
  category: 'time_together',
  instructions:
    'At the end of each week, think back on the moments you felt close to your partner and the ones you did not. Answer on your own, honestly; there are no right answers.',
  mode: 'individual',
  defaultCadence: { type: 'recurring', rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=19;BYMINUTE=0' },
  form: FORM_EXAMPLE,
};

/** Clients see exercises only through their assignments; the library itself is for staff. */
@ApiTags('exercises')
@ApiBearerAuth()
@Roles('admin', 'therapist')
@Controller('exercises')
export class ExercisesController {
  constructor(private readonly exercises: ExercisesService) {}

  @Get()
  @ApiOperation({
    summary:
      "The exercise library: built-ins plus your clinic's own (filter by category, mode, source; archived ones on request), cursor-paginated",
  })
  @ApiOkResponse({ type: ExercisePageResponse })
  list(@CurrentUser() principal: UserPrincipal, @Query() query: ListExercisesQuery) {
    return this.exercises.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One exercise at its current version' })
  @ApiOkResponse({ type: ExerciseResponse })
  @ApiNotFoundResponse({ description: 'No such exercise in your clinic' })
  get(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Exercise')) id: string) {
    return this.exercises.get(principal, id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a clinic exercise (version 1) with its check-in form' })
  @ApiBody({
    type: CreateExerciseRequest,
    examples: { closeness: { summary: 'A weekly individual check-in', value: CREATE_EXAMPLE } },
  })
  @ApiIdempotentCreated(ExerciseResponse)
  @ApiBadRequestResponse({ description: 'problem+json whose errors[] name each bad field, e.g. form.fields[2].max' })
  async create(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: CreateExerciseRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.exercises.create(principal, body, idempotencyKey));
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Edit a clinic exercise (any content change adds a new version; existing assignments keep theirs) or archive it with {archived: true}',
  })
  @ApiBody({
    type: UpdateExerciseRequest,
    examples: {
      retitle: {
        summary: 'Change the title (adds a version)',
        value: { title: 'Weekly closeness and distance check' },
      },
      archive: { summary: 'Archive', value: { archived: true } },
    },
  })
  @ApiOkResponse({ type: ExerciseResponse })
  @ApiBadRequestResponse({ description: 'problem+json whose errors[] name each bad field' })
  @ApiNotFoundResponse({ description: 'No such exercise in your clinic' })
  @ApiConflictResponse({ description: 'Built-in exercises are read-only; create your own from a copy instead' })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Exercise')) id: string,
    @Body() body: UpdateExerciseRequest,
  ) {
    return this.exercises.update(principal, id, body);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CurrentPrincipal, CurrentUser, RecentAuth, Roles, Scopes } from '@mend/auth';
import type { Principal, UserPrincipal } from '@mend/core';
import { CoupleRecordsService, CouplesService } from '@mend/couples';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import { InvitedUserResponse } from '../users/user.response.js';
import {
  CoupleExportResponse,
  CouplePageResponse,
  CoupleResponse,
  CreateCoupleRequest,
  CreatedCoupleResponse,
  ListCouplesQuery,
  ReassignmentResponse,
  UpdateCoupleRequest,
} from './couples.dto.js';

@ApiTags('couples')
@ApiBearerAuth()
@Controller('couples')
export class CouplesController {
  constructor(
    private readonly couples: CouplesService,
    private readonly records: CoupleRecordsService,
  ) {}

  @Post()
  @Roles('therapist', 'admin')
  @ApiOperation({ summary: 'Create a couple with one or two partners; each partner gets a single-use invitation link' })
  @ApiIdempotentCreated(CreatedCoupleResponse)
  async create(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: CreateCoupleRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.couples.create(principal, body, idempotencyKey));
  }

  @Get()
  @Roles('therapist', 'admin')
  @Scopes('couples:read')
  @ApiOperation({ summary: 'Couples: a therapist sees their own caseload, an admin the whole clinic' })
  @ApiOkResponse({ type: CouplePageResponse })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListCouplesQuery) {
    return this.couples.list(principal, query);
  }

  @Get(':id')
  @Roles('therapist', 'admin')
  @Scopes('couples:read')
  @ApiOperation({ summary: 'One couple and its partners' })
  @ApiOkResponse({ type: CoupleResponse })
  @ApiNotFoundResponse({ description: 'Not in your caseload or clinic' })
  get(@CurrentPrincipal() principal: Principal, @Param('id', new ResourceIdPipe('Couple')) id: string) {
    return this.couples.get(principal, id);
  }

  @Patch(':id')
  @ApiUnprocessableEntityResponse({ description: 'therapistId is not an active therapist of this clinic' })
  @Roles('therapist', 'admin')
  @ApiOperation({ summary: 'Change the label or status; admins may move the couple to another therapist (audited)' })
  @ApiOkResponse({ type: CoupleResponse })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) id: string,
    @Body() body: UpdateCoupleRequest,
  ) {
    return this.couples.update(principal, id, body);
  }

  @Get(':id/reassignments')
  @Roles('therapist', 'admin')
  @ApiOperation({
    summary: "The couple's moves between therapists, with their reasons",
    description:
      "Readable by admins, the couple's therapist and every therapist the couple was moved away from (they are " +
      'also notified in-app when it happens). Each entry says whether the new therapist had joined in the last 7 days.',
  })
  @ApiOkResponse({ type: [ReassignmentResponse] })
  reassignments(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Couple')) id: string) {
    return this.couples.reassignments(principal, id);
  }

  @Post(':id/partners/:partnerId/invitations')
  @Roles('therapist', 'admin')
  @ApiOperation({
    summary: 'A fresh invitation link for a partner who has not accepted yet; earlier links stop working',
  })
  @ApiCreatedResponse({ type: InvitedUserResponse })
  @ApiConflictResponse({ description: 'The partner has already accepted an invitation' })
  reinvite(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) id: string,
    @Param('partnerId', new ResourceIdPipe('Partner')) partnerId: string,
  ) {
    return this.couples.reinvitePartner(principal, id, partnerId);
  }

  @Get(':id/export')
  @Roles('therapist', 'admin')
  @RecentAuth()
  @ApiOperation({
    summary: 'Records request: everything Mend holds about the couple, as JSON (audited)',
    description:
      'Includes every check-in (private ones too) and session notes. This is the one route where an admin reads clinical content; each export writes an audit event.',
  })
  @ApiOkResponse({ type: CoupleExportResponse })
  export(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Couple')) id: string) {
    return this.records.export(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('admin')
  @RecentAuth()
  @ApiOperation({
    summary: "Erasure: delete the couple and its partners' data (audited)",
    description:
      "Deletes the couple, its partners' accounts, assignments, occurrences, check-ins, sessions, alerts and reminders. Audit events are kept but hold only ids, so the log still shows who did what without the data. This cannot be undone.",
  })
  @ApiNoContentResponse()
  erase(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Couple')) id: string) {
    return this.records.erase(principal, id);
  }
}

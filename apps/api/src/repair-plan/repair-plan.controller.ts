import { Body, Controller, Get, Header, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { RepairPlanService } from '@mend/progress';

import { ResourceIdPipe } from '../http/id.pipe.js';
import {
  AgreementRatingListResponse,
  AgreementRatingPageResponse,
  ListAgreementRatingsQuery,
  RateAgreementsRequest,
  RepairPlanProgressResponse,
  RepairPlanResponse,
  RepairPlanVersionListResponse,
  UpdateRepairPlanRequest,
} from './repair-plan.dto.js';

const NOT_FOUND = 'Not a couple of your caseload (therapist) or your own couple (partner)';

@ApiTags('repair plan')
@ApiBearerAuth()
@Controller()
export class RepairPlanController {
  constructor(private readonly plans: RepairPlanService) {}

  @Get('couples/:id/repair-plan')
  @Roles('therapist', 'client')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "The couple's repair plan: the agreements made with the therapist (its therapist and both partners)",
    description: 'Both partners read the whole plan, whoever keeps each agreement. Audited.',
  })
  @ApiOkResponse({ type: RepairPlanResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  get(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Couple')) coupleId: string) {
    return this.plans.get(principal, coupleId);
  }

  @Put('couples/:id/repair-plan')
  @Roles('therapist')
  @ApiOperation({
    summary: 'Write the repair plan (its therapist): each change is a new version; old versions stay readable',
    description:
      'Send the whole plan: agreements with an id are kept (and changed if their fields differ), ones without are added, ' +
      'ones left out are removed. Nothing different: no new version. Based on `baseVersion`; if the plan changed since, 409. Audited.',
  })
  @ApiOkResponse({ type: RepairPlanResponse })
  @ApiNotFoundResponse({ description: 'Not a couple of your caseload' })
  @ApiConflictResponse({ description: 'The plan changed since baseVersion, or the couple is closed' })
  @ApiUnprocessableEntityResponse({
    description:
      'An id not in the current plan or given twice, a keeper who is not a partner of the couple, blank text',
  })
  update(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) coupleId: string,
    @Body() body: UpdateRepairPlanRequest,
  ) {
    return this.plans.update(principal, coupleId, {
      baseVersion: body.baseVersion,
      agreements: body.agreements.map((a) => ({
        id: a.id,
        text: a.text,
        partnerId: a.partnerId ?? null,
        frequency: a.frequency,
      })),
    });
  }

  @Get('couples/:id/repair-plan/versions')
  @Roles('therapist', 'client')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Every version of the repair plan, newest first: the whole plan as it was, what changed, who and when',
    description: 'Audited.',
  })
  @ApiOkResponse({ type: RepairPlanVersionListResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async versions(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Couple')) coupleId: string) {
    return { data: await this.plans.versions(principal, coupleId) };
  }

  @Post('couples/:id/repair-plan/ratings')
  @Roles('client')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Rate how well agreements were kept and whether they still fit (a partner)',
    description:
      'For your current week (Monday to Sunday in your zone) or, with sessionId, at a completed session. Rating the same ' +
      'agreement for the same period again replaces your earlier rating. Your notes are read by your therapist, not your partner. Audited.',
  })
  @ApiCreatedResponse({ type: AgreementRatingListResponse })
  @ApiNotFoundResponse({ description: 'Not your couple' })
  @ApiUnprocessableEntityResponse({
    description:
      'No plan yet, an agreement not in the current plan (or rated twice in one request), not a completed session of your couple, or the couple is closed',
  })
  async rate(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) coupleId: string,
    @Body() body: RateAgreementsRequest,
  ) {
    return { data: await this.plans.rate(principal, coupleId, body) };
  }

  @Get('couples/:id/repair-plan/ratings')
  @Roles('therapist', 'client')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Ratings of the plan, newest first: every rating (its therapist) or your own (a partner)',
    description: "A partner never reads the other partner's ratings or notes. Audited.",
  })
  @ApiOkResponse({ type: AgreementRatingPageResponse })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  ratings(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) coupleId: string,
    @Query() query: ListAgreementRatingsQuery,
  ) {
    return this.plans.ratings(principal, coupleId, query);
  }

  @Get('couples/:id/repair-plan/progress')
  @Roles('therapist')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "How each agreement is kept over time: each partner's ratings, latest value and trend (its therapist)",
    description:
      "An agreement is flagged low when either partner's latest rating is 4 or lower, and for review when either says it no longer fits. Audited.",
  })
  @ApiOkResponse({ type: RepairPlanProgressResponse })
  @ApiNotFoundResponse({ description: 'Not a couple of your caseload' })
  progress(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Couple')) coupleId: string) {
    return this.plans.progress(principal, coupleId);
  }
}

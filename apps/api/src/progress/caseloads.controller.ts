import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { CaseloadsService } from '@mend/progress';

import { PageQuery } from '../http/pagination.dto.js';
import { CaseloadPageResponse, CaseloadQuery, TherapistCaseloadPageResponse } from './caseload.dto.js';

@ApiTags('caseloads')
@ApiBearerAuth()
@Controller()
export class CaseloadsController {
  constructor(private readonly caseloads: CaseloadsService) {}

  @Get('caseload')
  @Roles('therapist')
  @ApiOperation({
    summary:
      'Your caseload: each couple with its next session, active assignments, completion over the last 14 days and open alerts',
    description:
      'Cursor-paginated by couple. Completion counts occurrences due in the last 14 days that are closed or checked in.',
  })
  @ApiOkResponse({ type: CaseloadPageResponse })
  mine(@CurrentUser() principal: UserPrincipal, @Query() query: CaseloadQuery) {
    return this.caseloads.therapistCaseload(principal, query);
  }

  @Get('clinic/caseloads')
  @Roles('admin')
  @ApiOperation({
    summary: 'Per therapist: active couples, overdue occurrences and open alerts — aggregates only',
    description:
      'Never check-in content or notes. Overdue = occurrences of active couples due in the last 14 days with no check-in, whether already closed (missed) or still open past their due time.',
  })
  @ApiOkResponse({ type: TherapistCaseloadPageResponse })
  clinic(@CurrentUser() principal: UserPrincipal, @Query() query: PageQuery) {
    return this.caseloads.clinicCaseloads(principal, query);
  }
}

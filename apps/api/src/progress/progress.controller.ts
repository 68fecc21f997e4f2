import { Body, Controller, Get, Header, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';

import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';
import { ProgressService } from '@mend/progress';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { AcknowledgeAlertRequest, AlertResponse, ProgressQuery, ProgressReportResponse } from './progress.dto.js';

const WINDOWS_DESCRIPTION = `Completed sessions cut time into windows: each window runs from the previous completed
session's end (exclusive) to this one's end (inclusive); the first starts at the couple's creation or first
occurrence, the last runs from the last completed session to now. Occurrences belong to the window of their due
time; an occurrence is expected once it is closed or checked in. Alerts follow their conditions: one alert per
condition (kind and partner) is not resolved at any time; it resolves itself, with the reason, once the condition no
longer holds. Conditions: in the current window a partner's trust mean is 2 points or more below the previous
window's; 3 or more missed occurrences in a row up to now; in the current window the partners' trust means are 3 or
more apart; a partner's latest measure score below its cut-off; a partner's latest safety answer at or below the
clinic's threshold (high severity). The answer holds the latest windows (12 unless \`windows\` says otherwise);
\`earlierWindows\` says how many come before them, and \`before\` pages back. The alerts, reliable change and chart are
always computed over every window. Each read is audited.`;

@ApiTags('progress')
@ApiBearerAuth()
@Controller()
export class ProgressController {
  constructor(private readonly progress: ProgressService) {}

  @Get('couples/:id/progress')
  @Roles('therapist')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Progress window by window: completion, trust trend, measures, partner gap and alerts',
    description: WINDOWS_DESCRIPTION,
  })
  @ApiOkResponse({ type: ProgressReportResponse })
  @ApiNotFoundResponse({ description: 'Not in your caseload or clinic' })
  report(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Couple')) id: string,
    @Query() query: ProgressQuery,
  ) {
    return this.progress.report(principal, id, query);
  }

  @Get('couples/:id/progress.svg')
  @Roles('therapist')
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('image/svg+xml')
  @ApiOperation({
    summary:
      "Chart of each partner's trust pulse over time, completed sessions as vertical lines, each line named at its end",
    description:
      'A self-contained SVG (no scripts or external resources) with <title> and <desc> for screen readers. Each read is audited.',
  })
  @ApiOkResponse({
    description: 'image/svg+xml',
    schema: { type: 'string', example: '<svg xmlns="http://www.w3.org/2000/svg" …>…</svg>' },
  })
  @ApiNotFoundResponse({ description: 'Not in your caseload or clinic' })
  chart(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('Couple')) id: string) {
    return this.progress.chart(principal, id);
  }

  @Patch('alerts/:id')
  @Roles('therapist')
  @ApiOperation({ summary: 'Acknowledge an alert of a couple in your caseload (acknowledging again changes nothing)' })
  @ApiOkResponse({ type: AlertResponse })
  @ApiNotFoundResponse({ description: 'Not in your caseload or clinic' })
  acknowledge(
    @CurrentUser() principal: UserPrincipal,
    @Param('id', new ResourceIdPipe('Alert')) id: string,
    @Body() body: AcknowledgeAlertRequest,
  ) {
    return this.progress.acknowledgeAlert(principal, id, body);
  }
}

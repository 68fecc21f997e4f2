import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AuditService } from '@mend/audit';
import { CurrentUser, Roles } from '@mend/auth';
import type { UserPrincipal } from '@mend/core';

import { AuditPageResponse, AuditQueryRequest } from './audit.dto.js';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: "The clinic's audit log, newest first (who did what to which record; never content)" })
  @ApiOkResponse({ type: AuditPageResponse })
  list(@CurrentUser() principal: UserPrincipal, @Query() query: AuditQueryRequest) {
    return this.audit.list(principal, query);
  }
}

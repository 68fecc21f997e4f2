import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { ApiKeysService, CurrentPrincipal, CurrentUser, RecentAuth, Roles, Scopes } from '@mend/auth';
import { API_KEY_SCOPES, type Principal, type UserPrincipal } from '@mend/core';

import { ResourceIdPipe } from '../http/id.pipe.js';
import { answerIdempotent, ApiIdempotentCreated, IdempotencyKey } from '../http/idempotency.js';
import { PageQuery } from '../http/pagination.dto.js';
import { ApiKeyPageResponse, ApiKeyResponse, CreateApiKeyRequest, CreatedApiKeyResponse } from './api-keys.dto.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @RecentAuth()
  @ApiOperation({ summary: 'Create an API key for an integration; the key is shown once and stored only as a hash' })
  @ApiIdempotentCreated(CreatedApiKeyResponse)
  async create(
    @CurrentUser() principal: UserPrincipal,
    @Body() body: CreateApiKeyRequest,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerIdempotent(reply, await this.keys.create(principal, body, idempotencyKey));
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  @ApiOkResponse({ type: ApiKeyPageResponse })
  list(@CurrentUser() principal: UserPrincipal, @Query() query: PageQuery) {
    return this.keys.list(principal, query);
  }

  @Get('self')
  @Roles()
  @Scopes(...API_KEY_SCOPES)
  @ApiOperation({ summary: 'For integrations: the API key making this call (name, scopes), to check a key works' })
  @ApiOkResponse({ type: ApiKeyResponse })
  self(@CurrentPrincipal() principal: Principal) {
    return this.keys.describeSelf(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  @ApiNoContentResponse()
  revoke(@CurrentUser() principal: UserPrincipal, @Param('id', new ResourceIdPipe('API key')) id: string) {
    return this.keys.revoke(principal, id);
  }
}

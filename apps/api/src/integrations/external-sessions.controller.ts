import { Body, Controller, Param, Put, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { CurrentPrincipal, Roles, Scopes } from '@mend/auth';
import { DomainException, type Principal } from '@mend/core';
import { ExternalSessionsService } from '@mend/integrations';

import { SessionResponse } from '../sessions/session.response.js';
import { UpsertExternalSessionRequest } from './external-sessions.request.js';

const SOURCE = /^[a-z0-9][a-z0-9_.-]{0,39}$/;

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('sessions/external')
export class ExternalSessionsController {
  constructor(private readonly externalSessions: ExternalSessionsService) {}

  @Put(':source/:externalId')
  @Roles('admin', 'therapist')
  @Scopes('sessions:write')
  @ApiOperation({
    summary:
      'Create or update the session another system knows by (source, externalId); repeating a call changes nothing',
    description:
      'Name the couple by coupleId or by attendeeEmails. Notes are never read or written here. Every change is announced as a session.* webhook.',
  })
  @ApiParam({
    name: 'source',
    example: 'clinic-scheduler',
    description:
      'Your system\'s name: lower-case letters, digits, . _ -; not "manual" (sessions made in Mend) nor "calcom"/"calendly" (sessions of those integrations change only through them)',
  })
  @ApiParam({
    name: 'externalId',
    example: 'appt-10422',
    description: "Your system's id of the appointment (1–200 characters)",
  })
  @ApiCreatedResponse({ type: SessionResponse, description: 'Created' })
  @ApiOkResponse({ type: SessionResponse, description: 'Updated, or already as sent' })
  @ApiUnprocessableEntityResponse({
    description: 'attendeeEmails match no couple (or several), or completed/no_show before the start',
  })
  @ApiConflictResponse({ description: 'The couple is closed, or the external id belongs to a couple you cannot reach' })
  @ApiNotFoundResponse({ description: 'coupleId is not a couple you may reach' })
  async upsert(
    @CurrentPrincipal() principal: Principal,
    @Param('source') source: string,
    @Param('externalId') externalId: string,
    @Body() body: UpsertExternalSessionRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!SOURCE.test(source) || source === 'manual') {
      throw new DomainException('invalid', 'The source is not valid', {
        errors: [
          {
            field: 'source',
            message: 'source must be 1–40 lower-case letters, digits, ".", "_" or "-", and not "manual"',
          },
        ],
      });
    }
    if (externalId.length < 1 || externalId.length > 200) {
      throw new DomainException('invalid', 'The external id is not valid', {
        errors: [{ field: 'externalId', message: 'externalId must be 1–200 characters' }],
      });
    }
    const result = await this.externalSessions.upsert(principal, source, externalId, body);
    void reply.status(result.isCreated ? 201 : 200);
    return result.session;
  }
}

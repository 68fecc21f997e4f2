import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';

import { PageQuery } from '../http/pagination.dto.js';

export class AuditQueryRequest extends PageQuery {
  @ApiPropertyOptional({ example: 'auth.login' }) @IsOptional() @IsString() @Length(1, 100) action?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() actorId?: string;
  @ApiPropertyOptional({ example: 'user' }) @IsOptional() @IsString() @Length(1, 50) resourceType?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() resourceId?: string;
  @ApiPropertyOptional({ enum: ['success', 'failure', 'denied'] })
  @IsOptional()
  @IsIn(['success', 'failure', 'denied'])
  outcome?: 'success' | 'failure' | 'denied';
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() from?: Date;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() to?: Date;
}

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: Date;
  @ApiProperty({ enum: ['user', 'api_key', 'system', 'anonymous'] }) actorType: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) actorId: string | null;
  @ApiProperty({ example: 'auth.login' }) action: string;
  @ApiPropertyOptional({ type: String, nullable: true }) resourceType: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) resourceId: string | null;
  @ApiProperty({ enum: ['success', 'failure', 'denied'] }) outcome: string;
  @ApiPropertyOptional({ type: String, nullable: true }) requestId: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) ip: string | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'Ids and flags that qualify the event (never clinical content), e.g. for couple.reassign ' +
      '`{ fromTherapistId, toTherapistId, reassignmentId, isNewStaff }`; `isNewStaff` is true when the new ' +
      'therapist joined the clinic less than 7 days before',
    example: { fromTherapistId: '…', toTherapistId: '…', reassignmentId: '…', isNewStaff: true },
  })
  detail: Record<string, unknown> | null;
}

export class AuditPageResponse {
  @ApiProperty({ type: [AuditEventResponse] }) data: AuditEventResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';

import { Public } from '@mend/auth';
import { TenantDatabase } from '@mend/database';
import { QueueHealth } from '@mend/queue';

class LiveResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

class IndicatorStatus {
  @ApiProperty({ enum: ['up', 'down'] }) status: string;
  @ApiProperty({ required: false, example: 'database is not reachable' }) message?: string;
}

class ReadyResponse {
  @ApiProperty({ enum: ['ok'] }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/IndicatorStatus' } })
  info: Record<string, IndicatorStatus>;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/IndicatorStatus' } })
  error: Record<string, IndicatorStatus>;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/IndicatorStatus' } })
  details: Record<string, IndicatorStatus>;
}

@ApiTags('health')
@ApiExtraModels(IndicatorStatus)
@Public()
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TenantDatabase,
    private readonly queue: QueueHealth,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({ type: LiveResponse })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  // Terminus documents itself only when it can require() @nestjs/swagger, which depends on the
  // module loader; documented here instead so the document is the same however it is built.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({ summary: 'Readiness: the database and the queue backend answer' })
  @ApiOkResponse({ type: ReadyResponse })
  @ApiServiceUnavailableResponse({ description: 'The database or the queue backend does not answer' })
  ready() {
    return this.health.check([
      () => this.probe('database', () => this.db.ping()),
      () => this.probe('queue', () => this.queue.ping()),
    ]);
  }

  private async probe(key: string, check: () => Promise<void>) {
    const indicator = this.indicators.check(key);
    try {
      await withTimeout(check(), 2000);
      return indicator.up();
    } catch {
      return indicator.down({ message: `${key} is not reachable` });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);
}

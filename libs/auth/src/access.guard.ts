import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, DomainException, type ApiKeyScope, type Principal, type Role } from '@mend/core';

import { IS_PUBLIC, ROLES, SCOPES } from './access.decorators.js';
import { RateLimitService } from './rate-limit.service.js';
import { assertRecentAuth, RECENT_AUTH } from './recent-auth.js';

/**
 * The global guard. A route is reachable only if it says who may reach it: `@Public()`,
 * `@Roles(...)` for signed-in users and/or `@Scopes(...)` for API keys. Anything else is refused.
 */
@Injectable()
export class AccessGuard extends AuthGuard(['jwt', 'api-key']) {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      await this.limits.consume('publicPerIp', context.switchToHttp().getRequest<{ ip: string }>().ip);
      return true;
    }
    await super.canActivate(context);
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    // Every authenticated route is throttled per user and per API key, not only login and links.
    if (principal.kind === 'user') await this.limits.consume('apiPerUser', `${principal.clinicId}:${principal.userId}`);
    else await this.limits.consume('apiPerApiKey', `${principal.clinicId}:${principal.apiKeyId}`);
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES, targets) ?? [];
    const scopes = this.reflector.getAllAndOverride<ApiKeyScope[]>(SCOPES, targets) ?? [];
    if (principal.kind === 'user' && roles.includes(principal.role)) {
      if (this.reflector.getAllAndOverride<boolean>(RECENT_AUTH, targets))
        assertRecentAuth(principal, this.clock.nowMs(), this.config.auth.recentAuthMaxAgeSeconds);
      return true;
    }
    if (principal.kind === 'api_key' && scopes.some((scope) => principal.scopes.includes(scope))) return true;
    throw new DomainException(
      'forbidden',
      principal.kind === 'api_key'
        ? 'This API key does not have the scope this route needs'
        : 'Your role does not allow this action',
    );
  }

  override handleRequest<T>(error: unknown, principal: T): T {
    if (error instanceof DomainException) throw error;
    // Strategies report a bad token as "no principal"; an error means the check itself failed
    // (the database is unreachable). Answering 401 to that would sign every client out during an
    // outage, so it goes to the problem filter (503 for an unreachable backing service).
    if (error) throw error;
    if (!principal) throw new DomainException('unauthenticated', 'A valid access token or API key is required');
    return principal;
  }
}

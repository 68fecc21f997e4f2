import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { AuditService } from '@mend/audit';
import type { RateLimitService } from '@mend/auth';
import { actorOf, type Principal } from '@mend/core';

/** At most this many access.denied rows per principal and minute: a sweep leaves a trace, not a flood. */
export const ACCESS_DENIED_AUDITS_PER_MINUTE = 5;

const logger = new Logger('AccessDeniedAudit');

/**
 * A signed-in user or API key refused a resource (403, or 404 for an object that is missing or
 * belongs to another clinic) leaves an `access.denied` audit row, rate-limited per principal.
 * Written after the answer is sent, so neither its timing nor a failed write changes the answer.
 */
export function recordRefusedAccess(fastify: FastifyInstance, audit: AuditService, limits: RateLimitService): void {
  fastify.addHook('onResponse', async (request: FastifyRequest & { user?: Principal }, reply) => {
    const principal = request.user;
    if (!principal || (reply.statusCode !== 403 && reply.statusCode !== 404)) return;
    try {
      const { actorType, actorId } = actorOf(principal);
      const count = await limits.increment('accessDeniedAuditPerPrincipal', `${principal.clinicId}:${actorId}`);
      if (count > ACCESS_DENIED_AUDITS_PER_MINUTE) return;
      await audit.recordAlone({
        clinicId: principal.clinicId,
        actorType,
        actorId,
        action: 'access.denied',
        resourceType: null,
        resourceId: null,
        outcome: 'denied',
        requestId: String(request.id),
        ip: request.ip,
      });
    } catch (error) {
      logger.warn({ msg: 'access.denied audit not written', requestId: String(request.id), error: String(error) });
    }
  });
}

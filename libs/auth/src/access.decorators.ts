import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { type ApiKeyScope, type Principal, type RequestMeta, type Role, type UserPrincipal } from '@mend/core';

export const IS_PUBLIC = 'mend:isPublic';
export const ROLES = 'mend:roles';
export const SCOPES = 'mend:scopes';

/** No authentication (sign-up, login, invitation links, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Signed-in users with one of these roles may call the route. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);
/** API keys holding this scope may call the route. */
export const Scopes = (...scopes: ApiKeyScope[]) => SetMetadata(SCOPES, scopes);

type AuthedRequest = FastifyRequest & { user?: Principal };

export function requestMeta(request: FastifyRequest): RequestMeta {
  return { requestId: String(request.id), ip: request.ip };
}

/** The principal the access guard resolved; fails loudly if the guard did not run. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<AuthedRequest>();
  if (!request.user) throw new Error('CurrentPrincipal used on a route the access guard did not authenticate');
  return request.user;
});

/** A signed-in user (routes that API keys cannot reach). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserPrincipal => {
  const request = ctx.switchToHttp().getRequest<AuthedRequest>();
  if (!request.user || request.user.kind !== 'user')
    throw new Error('CurrentUser used on a route that does not require a user');
  return request.user;
});

export const ReqMeta = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestMeta =>
  requestMeta(ctx.switchToHttp().getRequest()),
);

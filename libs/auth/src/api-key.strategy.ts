import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-http-bearer';

import type { ApiKeyPrincipal } from '@mend/core';

import { requestMeta } from './access.decorators.js';
import { ApiKeysService } from './api-keys.service.js';

@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  constructor(private readonly keys: ApiKeysService) {
    super({ passReqToCallback: true });
  }

  async validate(request: FastifyRequest, token: string): Promise<ApiKeyPrincipal | false> {
    if (!token.startsWith('mk_')) return false;
    return (await this.keys.authenticate(token, requestMeta(request))) ?? false;
  }
}

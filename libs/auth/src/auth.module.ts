import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';

import { AccessGuard } from './access.guard.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuthService } from './auth.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { MfaService } from './mfa.service.js';
import { PasswordHasher } from './password.hasher.js';
import { PasswordPolicy } from './password.policy.js';
import { RateLimitService } from './rate-limit.service.js';
import { SecuritySettingsService } from './security-settings.service.js';
import { TokenService } from './token.service.js';

@Module({
  imports: [PassportModule, JwtModule.register({})],
  providers: [
    PasswordHasher,
    PasswordPolicy,
    RateLimitService,
    SecuritySettingsService,
    TokenService,
    MfaService,
    AuthService,
    ApiKeysService,
    JwtStrategy,
    ApiKeyStrategy,
    AccessGuard,
  ],
  exports: [
    MfaService,
    SecuritySettingsService,
    AuthService,
    ApiKeysService,
    AccessGuard,
    PasswordHasher,
    PasswordPolicy,
    TokenService,
    RateLimitService,
  ],
})
export class AuthModule {}

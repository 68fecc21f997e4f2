import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

import { APP_CONFIG, hasRedis, type AppConfig, type RateLimitRule } from '@mend/config';
import { DomainException } from '@mend/core';
import { createRedisClient, type RedisClient } from '@mend/queue';

export type LimitName = 'loginPerIp' | 'loginFailuresPerAccount' | 'signupPerIp' | 'checkInLinkPerIp';

/**
 * Throttles sign-up, login and the check-in link pages. With Redis the counters are shared by every API replica;
 * without it (the single-machine default) they live in this process.
 */
@Injectable()
export class RateLimitService implements OnModuleDestroy {
  private readonly redis: RedisClient | undefined;
  private readonly limiters: Record<LimitName, RateLimiterAbstract>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (hasRedis(config)) {
      this.redis = createRedisClient(config.redis, {
        connectionName: 'mend-rate-limit',
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        lazyConnect: false,
      });
      this.redis.on('error', () => undefined);
    }
    const make = (name: LimitName, rule: RateLimitRule): RateLimiterAbstract => {
      const options = {
        keyPrefix: `${config.redis.prefix}:rl:${name}`,
        points: rule.points,
        duration: rule.durationSeconds,
      };
      if (!this.redis) return new RateLimiterMemory(options);
      // If Redis is down, fall back to per-process counters rather than failing open or closed.
      return new RateLimiterRedis({
        ...options,
        storeClient: this.redis,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    };
    this.limiters = {
      loginPerIp: make('loginPerIp', config.rateLimit.loginPerIp),
      loginFailuresPerAccount: make('loginFailuresPerAccount', config.rateLimit.loginFailuresPerAccount),
      signupPerIp: make('signupPerIp', config.rateLimit.signupPerIp),
      checkInLinkPerIp: make('checkInLinkPerIp', config.rateLimit.checkInLinkPerIp),
    };
  }

  /** Counts one attempt; throws 429 with Retry-After once the budget is spent. */
  async consume(name: LimitName, key: string): Promise<void> {
    try {
      await this.limiters[name].consume(key);
    } catch (error) {
      if (error instanceof RateLimiterRes) throw tooMany(error);
      throw error;
    }
  }

  /** Refuses without counting when the key is already over budget. */
  async assertNotBlocked(name: LimitName, key: string): Promise<void> {
    const state = await this.limiters[name].get(key);
    if (state && state.consumedPoints >= this.limiters[name].points) throw tooMany(state);
  }

  async reset(name: LimitName, key: string): Promise<void> {
    await this.limiters[name].delete(key);
  }

  async onModuleDestroy(): Promise<void> {
    this.redis?.disconnect();
  }
}

function tooMany(state: RateLimiterRes): DomainException {
  return new DomainException('rate_limited', 'Too many attempts; try again later', {
    retryAfterSeconds: Math.max(1, Math.ceil(state.msBeforeNext / 1000)),
  });
}

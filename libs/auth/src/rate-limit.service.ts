import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

import { APP_CONFIG, hasRedis, type AppConfig, type RateLimitRule } from '@mend/config';
import { DomainException } from '@mend/core';
import { createRedisClient, type RedisClient } from '@mend/queue';

export type LimitName =
  | 'loginPerIp'
  | 'loginFailuresPerSource'
  | 'signupPerIp'
  | 'checkInLinkPerIp'
  | 'passwordResetPerIp'
  | 'passwordResetPerAccount'
  | 'apiPerUser'
  | 'apiPerApiKey'
  | 'publicPerIp';

/** Counters that never refuse by themselves: the caller decides what a count means. */
export type CounterName = 'loginFailuresPerAccount' | 'accessDeniedAuditPerPrincipal';

const COUNTER_WINDOWS: Record<CounterName, number> = {
  // The window in which an account's failures (from every source) slow its logins down and
  // trigger the owner's email; after 15 quiet minutes the account is back to normal.
  loginFailuresPerAccount: 900,
  // access.denied audit rows: at most a handful per principal and minute (a sweep of 1,700 ids
  // leaves a trace without flooding the audit log).
  accessDeniedAuditPerPrincipal: 60,
};

/**
 * Throttles logins, sign-ups, password resets, the check-in link pages and every authenticated
 * request (per user and per API key). With Redis the counters are shared by every API replica;
 * without it (the single-machine default) they live in this process.
 */
@Injectable()
export class RateLimitService implements OnModuleDestroy {
  private readonly redis: RedisClient | undefined;
  private readonly limiters: Record<LimitName, RateLimiterAbstract>;
  private readonly counters: Record<CounterName, RateLimiterAbstract>;

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
    const make = (name: string, rule: RateLimitRule): RateLimiterAbstract => {
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
    const limits = config.rateLimit;
    this.limiters = {
      loginPerIp: make('loginPerIp', limits.loginPerIp),
      loginFailuresPerSource: make('loginFailuresPerSource', limits.loginFailuresPerSource),
      signupPerIp: make('signupPerIp', limits.signupPerIp),
      checkInLinkPerIp: make('checkInLinkPerIp', limits.checkInLinkPerIp),
      passwordResetPerIp: make('passwordResetPerIp', limits.passwordResetPerIp),
      passwordResetPerAccount: make('passwordResetPerAccount', limits.passwordResetPerAccount),
      apiPerUser: make('apiPerUser', limits.apiPerUser),
      apiPerApiKey: make('apiPerApiKey', limits.apiPerApiKey),
      publicPerIp: make('publicPerIp', limits.publicPerIp),
    };
    this.counters = {
      loginFailuresPerAccount: make('loginFailuresPerAccount', {
        points: Number.MAX_SAFE_INTEGER,
        durationSeconds: COUNTER_WINDOWS.loginFailuresPerAccount,
      }),
      accessDeniedAuditPerPrincipal: make('accessDeniedAuditPerPrincipal', {
        points: Number.MAX_SAFE_INTEGER,
        durationSeconds: COUNTER_WINDOWS.accessDeniedAuditPerPrincipal,
      }),
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

  /** Counts one attempt and answers whether it was within budget (for limits that must not throw). */
  async tryConsume(name: LimitName, key: string): Promise<boolean> {
    try {
      await this.limiters[name].consume(key);
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      throw error;
    }
  }

  /** Refuses without counting when the key is already over budget. */
  async assertNotBlocked(name: LimitName, key: string): Promise<void> {
    const state = await this.limiters[name].get(key);
    if (state && state.consumedPoints >= this.limiters[name].points) throw tooMany(state);
  }

  async reset(name: LimitName | CounterName, key: string): Promise<void> {
    await (this.limiters[name as LimitName] ?? this.counters[name as CounterName]).delete(key);
  }

  /** Adds one to a counter and answers its value within the counter's window. */
  async increment(name: CounterName, key: string): Promise<number> {
    const state = await this.counters[name].penalty(key, 1);
    return state.consumedPoints;
  }

  /** A counter's value within its window, without changing it. */
  async count(name: CounterName, key: string): Promise<number> {
    const state = await this.counters[name].get(key);
    return state?.consumedPoints ?? 0;
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

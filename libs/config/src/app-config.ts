export type NodeEnv = 'development' | 'test' | 'production';
export type QueueBackendKind = 'redis' | 'postgres';

export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export interface AppConfig {
  env: NodeEnv;
  http: {
    host: string;
    port: number;
    publicUrl: string;
    corsOrigins: string[];
    bodyLimitBytes: number;
    trustProxy: boolean;
  };
  database: {
    /** Connection for the API and worker: a role that row-level security applies to. */
    url: string;
    /** Connection for migrations: the role that owns the tables. */
    ownerUrl: string | undefined;
    poolSize: number;
    statementTimeoutMs: number;
  };
  redis: { url: string | undefined; prefix: string };
  queue: { backend: QueueBackendKind; postgresSchema: string; workerConcurrency: number; relayIntervalMs: number };
  auth: {
    jwtSecret: string;
    jwtIssuer: string;
    jwtAudience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    invitationTtlDays: number;
  };
  rateLimit: {
    loginPerIp: RateLimitRule;
    loginFailuresPerAccount: RateLimitRule;
    signupPerIp: RateLimitRule;
  };
  mail: { smtpUrl: string | undefined; from: string };
  operatorToken: string | undefined;
  log: { level: string; pretty: boolean };
  demo: { seed: boolean };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the environment once. Every problem is collected so an operator
 * fixes a broken deployment in one pass instead of one restart per variable.
 */
export function loadConfig(env: Env): AppConfig {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[], description: string): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} is not ${description}`);
        return undefined;
      }
      return raw;
    } catch {
      problems.push(`${name} is not ${description}`);
      return undefined;
    }
  };

  const rawEnv = read('NODE_ENV') ?? 'development';
  let nodeEnv: NodeEnv = 'development';
  if (rawEnv === 'development' || rawEnv === 'test' || rawEnv === 'production') nodeEnv = rawEnv;
  else problems.push(`NODE_ENV must be development, test or production (got "${rawEnv}")`);
  const isProduction = nodeEnv === 'production';

  const port = int('PORT', 3000, 0, 65535);
  const host = read('HOST') ?? '0.0.0.0';
  const publicUrl = url('PUBLIC_URL', ['http:', 'https:'], 'an http(s) URL') ?? `http://localhost:${port}`;

  const postgres = ['postgres:', 'postgresql:'];
  const databaseUrl = url('DATABASE_URL', postgres, 'a postgres URL (postgres://user:password@host:port/database)');
  if (read('DATABASE_URL') === undefined) {
    problems.push('DATABASE_URL is not set (run `npm start` to get an embedded PostgreSQL)');
  }
  const ownerUrl = url('DATABASE_OWNER_URL', postgres, 'a postgres URL');

  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:'], 'a redis URL (redis://host:port)');
  const rawBackend = read('QUEUE_BACKEND');
  let backend: QueueBackendKind = redisUrl ? 'redis' : 'postgres';
  if (rawBackend === 'redis' || rawBackend === 'postgres') backend = rawBackend;
  else if (rawBackend !== undefined) problems.push(`QUEUE_BACKEND must be redis or postgres (got "${rawBackend}")`);
  if (backend === 'redis' && !redisUrl && read('REDIS_URL') === undefined) {
    problems.push('QUEUE_BACKEND is redis but REDIS_URL is not set');
  }
  if (isProduction && backend !== 'redis') {
    problems.push('REDIS_URL is required in production (the PostgreSQL queue backend is for local use)');
  }
  // BullMQ keys must share one hash slot on Redis Cluster, hence the braces.
  const prefix = read('QUEUE_PREFIX') ?? '{mend}';
  if (!/^\{[A-Za-z0-9_-]+\}$/.test(prefix)) problems.push(`QUEUE_PREFIX must be a hash tag like {mend} (got "${prefix}")`);

  const jwtSecret = read('JWT_SECRET');
  if (jwtSecret === undefined) problems.push('JWT_SECRET is not set');
  else if (jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 characters');

  const corsOrigins = (read('CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of corsOrigins) {
    try {
      new URL(origin);
    } catch {
      problems.push(`CORS_ORIGINS has "${origin}", which is not an origin like https://app.example.com`);
    }
  }

  const smtpUrl = url('SMTP_URL', ['smtp:', 'smtps:'], 'an smtp URL (smtp://host:port)');
  const operatorToken = read('OPERATOR_TOKEN');
  if (operatorToken !== undefined && operatorToken.length < 32) problems.push('OPERATOR_TOKEN must be at least 32 characters');

  const config: AppConfig = {
    env: nodeEnv,
    http: {
      host,
      port,
      publicUrl: publicUrl.replace(/\/$/, ''),
      corsOrigins,
      bodyLimitBytes: int('HTTP_BODY_LIMIT_BYTES', 256 * 1024, 1024, 50 * 1024 * 1024),
      trustProxy: bool('TRUST_PROXY', false),
    },
    database: {
      url: databaseUrl ?? '',
      ownerUrl,
      poolSize: int('DATABASE_POOL_SIZE', 10, 1, 500),
      statementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 15000, 100, 600000),
    },
    redis: { url: redisUrl, prefix },
    queue: {
      backend,
      postgresSchema: read('QUEUE_POSTGRES_SCHEMA') ?? 'bullmq',
      workerConcurrency: int('WORKER_CONCURRENCY', 10, 1, 1000),
      relayIntervalMs: int('OUTBOX_RELAY_INTERVAL_MS', 500, 50, 60000),
    },
    auth: {
      jwtSecret: jwtSecret ?? '',
      jwtIssuer: read('JWT_ISSUER') ?? 'mend',
      jwtAudience: read('JWT_AUDIENCE') ?? 'mend-api',
      accessTokenTtlSeconds: int('ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86400),
      refreshTokenTtlDays: int('REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
      invitationTtlDays: int('INVITATION_TTL_DAYS', 7, 1, 30),
    },
    rateLimit: {
      loginPerIp: { points: int('RATE_LIMIT_LOGIN_PER_IP', 30, 1, 1_000_000), durationSeconds: 300 },
      loginFailuresPerAccount: { points: int('RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT', 10, 1, 1_000_000), durationSeconds: 900 },
      signupPerIp: { points: int('RATE_LIMIT_SIGNUP_PER_IP', 10, 1, 1_000_000), durationSeconds: 3600 },
    },
    mail: { smtpUrl, from: read('MAIL_FROM') ?? 'Mend <no-reply@mend.local>' },
    operatorToken,
    log: { level: read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'warn' : 'info'), pretty: bool('LOG_PRETTY', false) },
    demo: { seed: bool('DEMO_SEED', false) },
  };

  if (problems.length > 0) throw new ConfigValidationError(problems);
  return config;
}

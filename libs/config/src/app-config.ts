import { isIP } from 'node:net';

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
    /** How long a request waits for a new connection: bounds the answer time when PostgreSQL is unreachable. */
    connectTimeoutMs: number;
    /**
     * The check-in submit's fixed statements are named prepared statements (planned once per
     * connection, not on every submit: most of PostgreSQL's CPU per submit). Off behind a pooler
     * that does not carry protocol-level prepared statements (PgBouncer < 1.21 in transaction
     * mode, or without max_prepared_statements).
     */
    preparedStatements: boolean;
  };
  redis: {
    /** One Redis server (REDIS_URL); unset when the queues use a cluster or PostgreSQL. */
    url: string | undefined;
    /** A Redis Cluster (REDIS_CLUSTER_NODES): seed nodes, the client discovers the rest. */
    cluster: RedisClusterConfig | undefined;
    prefix: string;
  };
  queue: {
    backend: QueueBackendKind;
    postgresSchema: string;
    workerConcurrency: number;
    /**
     * Jobs of the notifications queue processed at once per worker process. Reminder sends of one
     * clinic that are active together share one transaction (libs/reminders ClinicBatcher), so a
     * burst costs few connections and the batch grows with this number.
     */
    notificationsConcurrency: number;
    relayIntervalMs: number;
  };
  reminders: {
    /**
     * How long a claimed email send may stay unconfirmed before it is presumed abandoned (its
     * worker died between claiming and confirming) and sent again with the same Message-ID.
     */
    claimLeaseMs: number;
    /** How often the reconciler runs (a BullMQ job scheduler, re-created by the worker when the queue lost it). */
    reconcileIntervalMs: number;
    /** A due send is re-added only when it has been due this long without being sent (the relay publishes on time). */
    reconcileGraceMs: number;
    /**
     * Reminder sends due within this long are published to the queue ahead of time as delayed
     * jobs, so the due instant costs no outbox scan or publish (0: publish when due).
     */
    publishAheadMs: number;
  };
  auth: {
    jwtSecret: string;
    jwtIssuer: string;
    jwtAudience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    /** Absolute lifetime of a sign-in (a refresh-token family) from the moment of sign-in; rotation never extends it. */
    refreshFamilyMaxDays: number;
    invitationTtlDays: number;
    passwordResetTtlMinutes: number;
    /**
     * A failed login answers no sooner than this after it arrived, whatever failed (unknown
     * clinic, unknown email, wrong password), so its timing says nothing about which.
     */
    loginFailureMinMs: number;
    /** Failures of one account (from any source) after which each attempt waits, doubling up to 2 s. */
    loginDelayAfterFailures: number;
    /** Failures of one account (from any source) within 15 minutes after which its owner is emailed. */
    loginNoticeAfterFailures: number;
    /** How long the MFA challenge of a sign-in (between the password and the code) stays usable. */
    mfaChallengeTtlSeconds: number;
    /** Sensitive admin actions need the person to have authenticated (or re-authenticated) this recently. */
    recentAuthMaxAgeSeconds: number;
    /**
     * Whether the API answers invitation links to the inviter (development only by default):
     * otherwise the link goes only to the invitee's email, so an admin cannot accept a staff
     * invitation in someone else's name (separation of duties).
     */
    invitationLinksInResponses: boolean;
  };
  rateLimit: {
    loginPerIp: RateLimitRule;
    /** Failed logins for one account from one source address: only that source is refused. */
    loginFailuresPerSource: RateLimitRule;
    signupPerIp: RateLimitRule;
    passwordResetPerIp: RateLimitRule;
    passwordResetPerAccount: RateLimitRule;
    /** Every authenticated request, per signed-in user. */
    apiPerUser: RateLimitRule;
    /** Every authenticated request, per API key. */
    apiPerApiKey: RateLimitRule;
    /** Public routes (invitation, reset, refresh, …) per client address. */
    publicPerIp: RateLimitRule;
    /** Requests to check-in link URLs (landing and Continue) per client IP. */
    checkInLinkPerIp: RateLimitRule;
  };
  mail: { smtpUrl: string | undefined; from: string; maxConnections: number };
  operatorToken: string | undefined;
  log: { level: string; pretty: boolean };
  demo: { seed: boolean };
  webhooks: WebhookSettings;
  inbound: InboundSettings;
  /**
   * CLOCK_OFFSET_MS (tests only): how far the product's clock runs ahead of the wall clock, so a
   * suite can run the API and a worker child process at a pinned instant that agree to the ms.
   */
  clock: { offsetMs: number };
}

export interface RedisClusterConfig {
  /** Seed nodes; any reachable one tells the client the whole slot map. */
  nodes: Array<{ host: string; port: number }>;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
}

/** Whether the configuration names any Redis (one server or a cluster). */
export function hasRedis(config: Pick<AppConfig, 'redis'>): boolean {
  return config.redis.url !== undefined || config.redis.cluster !== undefined;
}

/** The names a browser may use for this machine's own loopback interface. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The origins the web app is served from, for the cookie refresh's origin check: the public
 * URL's, the CORS origins, and — when the public URL is a loopback address — the same scheme and
 * port under the other loopback names. `npm start` prints http://localhost:3000 while listening on
 * 127.0.0.1; a browser treats http://127.0.0.1:3000 as another origin, so a page opened there
 * signed in but was signed out by its first reload (its refresh was refused as foreign). Each
 * loopback name keeps its own cookie, so either works on its own; nothing off this machine can
 * send a loopback origin.
 */
export function webAppOrigins(http: Pick<AppConfig['http'], 'publicUrl' | 'corsOrigins'>): string[] {
  const publicUrl = new URL(http.publicUrl);
  const origins = [publicUrl.origin];
  if (LOOPBACK_HOSTS.includes(publicUrl.hostname)) {
    const port = publicUrl.port ? `:${publicUrl.port}` : '';
    for (const host of LOOPBACK_HOSTS) origins.push(`${publicUrl.protocol}//${host}${port}`);
  }
  return [...new Set([...origins, ...http.corsOrigins])];
}

/** One WEBHOOK_ALLOWED_HOSTS entry: a host name, an IP address or a CIDR range, and optionally a port. */
export interface WebhookAllowedHost {
  /** Lower-case host name, IP address (IPv6 without brackets) or CIDR range such as 10.0.0.0/8. */
  host: string;
  port?: number;
}

export interface WebhookSettings {
  /**
   * Targets that may resolve to loopback, private or link-local addresses (tests, local
   * development, a clinic system on the same private network). Everything else must be public.
   */
  allowedHosts: WebhookAllowedHost[];
  /** Delay before the first retry of a failed delivery; each later retry waits four times longer (capped at 6 h). */
  retryBaseDelayMs: number;
  /** Failed deliveries are retried until this long after their first attempt (the issue asks for at least 24 h). */
  retryWindowHours: number;
  /** How long one delivery attempt may take (connect to last byte). */
  timeoutMs: number;
  /**
   * Finished deliveries (with their attempts and the events only they needed) are deleted this
   * many days after they finished, by the hourly retention.purge job: the delivery log is for
   * troubleshooting, not an archive.
   */
  deliveryRetentionDays: number;
  /** How often the worker looks for occurrences that closed without a check-in (occurrence.missed). */
  missedScanIntervalMs: number;
}

/** Scheduling tools sending bookings in (Cal.com, Calendly). */
export interface InboundSettings {
  /**
   * Stored inbound events (they carry attendee emails) are deleted this many days after they
   * arrived, by the hourly retention.purge job (INBOUND_EVENT_RETENTION_DAYS, default 30).
   */
  eventRetentionDays: number;
  /**
   * After a signing-secret rotation, events signed with the previous secret are still accepted
   * for this long (INBOUND_SECRET_OVERLAP_HOURS, default 24): the tool sends one signature, and
   * the admin needs time to paste the new secret into it.
   */
  secretOverlapHours: number;
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
  const redisCluster = parseClusterNodes(read('REDIS_CLUSTER_NODES'), problems);
  if (redisUrl && redisCluster)
    problems.push('Set REDIS_URL (one server) or REDIS_CLUSTER_NODES (a cluster), not both');
  const rawBackend = read('QUEUE_BACKEND');
  let backend: QueueBackendKind = redisUrl || redisCluster ? 'redis' : 'postgres';
  if (rawBackend === 'redis' || rawBackend === 'postgres') backend = rawBackend;
  else if (rawBackend !== undefined) problems.push(`QUEUE_BACKEND must be redis or postgres (got "${rawBackend}")`);
  if (
    backend === 'redis' &&
    !redisUrl &&
    !redisCluster &&
    read('REDIS_URL') === undefined &&
    read('REDIS_CLUSTER_NODES') === undefined
  ) {
    problems.push('QUEUE_BACKEND is redis but neither REDIS_URL nor REDIS_CLUSTER_NODES is set');
  }
  if (isProduction && backend !== 'redis') {
    problems.push(
      'REDIS_URL or REDIS_CLUSTER_NODES is required in production (the PostgreSQL queue backend is for local use)',
    );
  }
  // BullMQ keys must share one hash slot on Redis Cluster, hence the braces.
  const prefix = read('QUEUE_PREFIX') ?? '{mend}';
  if (!/^\{[A-Za-z0-9_-]+\}$/.test(prefix))
    problems.push(`QUEUE_PREFIX must be a hash tag like {mend} (got "${prefix}")`);

  const jwtSecret = read('JWT_SECRET');
  if (jwtSecret === undefined) problems.push('JWT_SECRET is not set');
  else if (jwtSecret.length < 32) problems.push('JWT_SECRET must be at least 32 characters');

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    try {
      new URL(origin);
    } catch {
      problems.push(`CORS_ORIGINS has "${origin}", which is not an origin like https://app.example.com`);
    }
  }

  const smtpUrl = url('SMTP_URL', ['smtp:', 'smtps:'], 'an smtp URL (smtp://host:port)');
  const webhookAllowedHosts = parseAllowedHosts(read('WEBHOOK_ALLOWED_HOSTS'), problems);
  const operatorToken = read('OPERATOR_TOKEN');
  if (operatorToken !== undefined && operatorToken.length < 32)
    problems.push('OPERATOR_TOKEN must be at least 32 characters');

  const clockOffsetMs = int('CLOCK_OFFSET_MS', 0, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (clockOffsetMs !== 0 && nodeEnv !== 'test') problems.push('CLOCK_OFFSET_MS is only for NODE_ENV=test');

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
      connectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 60000),
      preparedStatements: bool('DATABASE_PREPARED_STATEMENTS', true),
    },
    redis: { url: redisCluster ? undefined : redisUrl, cluster: redisCluster, prefix },
    queue: {
      backend,
      postgresSchema: read('QUEUE_POSTGRES_SCHEMA') ?? 'bullmq',
      workerConcurrency: int('WORKER_CONCURRENCY', 10, 1, 1000),
      notificationsConcurrency: int('NOTIFICATIONS_WORKER_CONCURRENCY', 200, 1, 1000),
      relayIntervalMs: int('OUTBOX_RELAY_INTERVAL_MS', 500, 50, 60000),
    },
    reminders: {
      claimLeaseMs: int('REMINDER_CLAIM_LEASE_MS', 120_000, 1000, 3_600_000),
      reconcileIntervalMs: int('REMINDERS_RECONCILE_INTERVAL_MS', 60_000, 1000, 3_600_000),
      reconcileGraceMs: int('REMINDERS_RECONCILE_GRACE_MS', 30_000, 0, 3_600_000),
      publishAheadMs: int('REMINDERS_PUBLISH_AHEAD_MS', 60_000, 0, 3_600_000),
    },
    auth: {
      jwtSecret: jwtSecret ?? '',
      jwtIssuer: read('JWT_ISSUER') ?? 'mend',
      jwtAudience: read('JWT_AUDIENCE') ?? 'mend-api',
      accessTokenTtlSeconds: int('ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86400),
      refreshTokenTtlDays: int('REFRESH_TOKEN_TTL_DAYS', 30, 1, 365),
      refreshFamilyMaxDays: int('REFRESH_FAMILY_MAX_DAYS', 30, 1, 365),
      invitationTtlDays: int('INVITATION_TTL_DAYS', 7, 1, 30),
      passwordResetTtlMinutes: int('PASSWORD_RESET_TTL_MINUTES', 60, 5, 1440),
      loginFailureMinMs: int('LOGIN_FAILURE_MIN_MS', 400, 0, 5000),
      loginDelayAfterFailures: int('LOGIN_DELAY_AFTER_FAILURES', 3, 1, 1_000_000),
      loginNoticeAfterFailures: int('LOGIN_NOTICE_AFTER_FAILURES', 10, 1, 1_000_000),
      mfaChallengeTtlSeconds: int('MFA_CHALLENGE_TTL_SECONDS', 300, 30, 900),
      recentAuthMaxAgeSeconds: int('RECENT_AUTH_MAX_AGE_SECONDS', 600, 60, 3600),
      invitationLinksInResponses: bool('INVITATION_LINKS_IN_RESPONSES', nodeEnv === 'development'),
    },
    rateLimit: {
      loginPerIp: { points: int('RATE_LIMIT_LOGIN_PER_IP', 30, 1, 1_000_000), durationSeconds: 300 },
      loginFailuresPerSource: {
        points: int('RATE_LIMIT_LOGIN_FAILURES_PER_SOURCE', 10, 1, 1_000_000),
        durationSeconds: 900,
      },
      signupPerIp: { points: int('RATE_LIMIT_SIGNUP_PER_IP', 10, 1, 1_000_000), durationSeconds: 3600 },
      passwordResetPerIp: { points: int('RATE_LIMIT_PASSWORD_RESET_PER_IP', 10, 1, 1_000_000), durationSeconds: 3600 },
      passwordResetPerAccount: {
        points: int('RATE_LIMIT_PASSWORD_RESET_PER_ACCOUNT', 3, 1, 1_000_000),
        durationSeconds: 3600,
      },
      apiPerUser: { points: int('RATE_LIMIT_API_PER_USER', 600, 1, 10_000_000), durationSeconds: 60 },
      apiPerApiKey: { points: int('RATE_LIMIT_API_PER_API_KEY', 1200, 1, 10_000_000), durationSeconds: 60 },
      publicPerIp: { points: int('RATE_LIMIT_PUBLIC_PER_IP', 300, 1, 10_000_000), durationSeconds: 60 },
      checkInLinkPerIp: { points: int('RATE_LIMIT_CHECK_IN_LINK_PER_IP', 60, 1, 1_000_000), durationSeconds: 600 },
    },
    mail: {
      smtpUrl,
      from: read('MAIL_FROM') ?? 'Mend <no-reply@mend.local>',
      maxConnections: int('SMTP_MAX_CONNECTIONS', 10, 1, 500),
    },
    operatorToken,
    log: { level: read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'warn' : 'info'), pretty: bool('LOG_PRETTY', false) },
    demo: { seed: bool('DEMO_SEED', false) },
    webhooks: {
      allowedHosts: webhookAllowedHosts,
      retryBaseDelayMs: int('WEBHOOK_RETRY_BASE_DELAY_MS', 30_000, 10, 3_600_000),
      retryWindowHours: int('WEBHOOK_RETRY_WINDOW_HOURS', 24, 1, 168),
      timeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
      missedScanIntervalMs: int('WEBHOOK_MISSED_SCAN_INTERVAL_MS', 60_000, 100, 3_600_000),
      deliveryRetentionDays: int('WEBHOOK_DELIVERY_RETENTION_DAYS', 30, 1, 3650),
    },
    inbound: {
      eventRetentionDays: int('INBOUND_EVENT_RETENTION_DAYS', 30, 1, 3650),
      secretOverlapHours: int('INBOUND_SECRET_OVERLAP_HOURS', 24, 0, 720),
    },
    clock: { offsetMs: clockOffsetMs },
  };

  if (problems.length > 0) throw new ConfigValidationError(problems);
  return config;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * WEBHOOK_ALLOWED_HOSTS: comma-separated `host`, `host:port`, `[ipv6]:port` or CIDR entries,
 * e.g. `127.0.0.1:4000,localhost,10.20.0.0/16`.
 */
function parseAllowedHosts(raw: string | undefined, problems: string[]): WebhookAllowedHost[] {
  if (raw === undefined) return [];
  const out: WebhookAllowedHost[] = [];
  for (const entry of raw
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)) {
    const bracketed = /^\[([0-9a-f:.]+)\](?::(\d+))?$/.exec(entry);
    const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(entry);
    const hostPort = /^([^:/\s]+)(?::(\d+))?$/.exec(entry);
    let host: string | undefined;
    let port: string | undefined;
    if (bracketed && isIP(bracketed[1]) === 6) [host, port] = [bracketed[1], bracketed[2]];
    else if (cidr && isIP(cidr[1]) !== 0 && Number(cidr[2]) <= (isIP(cidr[1]) === 4 ? 32 : 128)) host = entry;
    else if (isIP(entry) === 6) host = entry;
    else if (hostPort && (isIP(hostPort[1]) === 4 || HOST_NAME.test(hostPort[1])))
      [host, port] = [hostPort[1], hostPort[2]];
    const portNumber = port === undefined ? undefined : Number(port);
    if (host === undefined || (portNumber !== undefined && (portNumber < 1 || portNumber > 65535))) {
      problems.push(`WEBHOOK_ALLOWED_HOSTS has "${entry}", which is not a host, host:port, [ipv6]:port or CIDR range`);
      continue;
    }
    out.push(portNumber === undefined ? { host } : { host, port: portNumber });
  }
  return out;
}

/**
 * REDIS_CLUSTER_NODES: comma-separated seed nodes, each `host:port` or a redis URL
 * (`redis://user:password@host:port`, `rediss://` for TLS). Credentials and TLS come from the
 * first entry that has them: a cluster's nodes share them.
 */
function parseClusterNodes(raw: string | undefined, problems: string[]): RedisClusterConfig | undefined {
  if (raw === undefined) return undefined;
  const cluster: RedisClusterConfig = { nodes: [], username: undefined, password: undefined, tls: false };
  for (const entry of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    let parsed: URL;
    try {
      parsed = new URL(entry.includes('://') ? entry : `redis://${entry}`);
    } catch {
      problems.push(`REDIS_CLUSTER_NODES has "${entry}", which is not host:port or a redis URL`);
      continue;
    }
    const port = Number(parsed.port || 6379);
    if (!['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname || !Number.isInteger(port)) {
      problems.push(`REDIS_CLUSTER_NODES has "${entry}", which is not host:port or a redis URL`);
      continue;
    }
    cluster.nodes.push({ host: parsed.hostname.replace(/^\[|\]$/g, ''), port });
    if (parsed.protocol === 'rediss:') cluster.tls = true;
    if (parsed.password && cluster.password === undefined) {
      cluster.password = decodeURIComponent(parsed.password);
      cluster.username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
    }
  }
  if (cluster.nodes.length === 0) {
    problems.push('REDIS_CLUSTER_NODES names no node (expected host:port,host:port,…)');
    return undefined;
  }
  return cluster;
}

import { ConfigValidationError, loadConfig, webAppOrigins } from './app-config.js';

const valid = { DATABASE_URL: 'postgres://mend_app:x@localhost:5432/mend', JWT_SECRET: 'x'.repeat(32) };

describe('loadConfig', () => {
  it('uses the PostgreSQL queue backend when REDIS_URL is absent', () => {
    const config = loadConfig(valid);
    expect(config.queue.backend).toBe('postgres');
    expect(config.redis.prefix).toBe('{mend}');
  });

  it('reports every problem at once in plain words', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadConfig({
        DATABASE_URL: 'mysql://x',
        JWT_SECRET: 'short',
        PORT: 'abc',
        REDIS_URL: 'http://x',
        NODE_ENV: 'prod',
      });
    } catch (e) {
      error = e as ConfigValidationError;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error!.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('DATABASE_URL is not a postgres URL'),
        'JWT_SECRET must be at least 32 characters',
        expect.stringContaining('PORT must be a whole number'),
        expect.stringContaining('REDIS_URL is not a redis URL'),
        expect.stringContaining('NODE_ENV must be development, test or production'),
      ]),
    );
  });

  it('requires Redis in production', () => {
    expect(() => loadConfig({ ...valid, NODE_ENV: 'production' })).toThrow(
      /REDIS_URL or REDIS_CLUSTER_NODES is required in production/,
    );
  });

  it('reads a Redis Cluster from REDIS_CLUSTER_NODES and puts the queues on it', () => {
    const config = loadConfig({
      ...valid,
      REDIS_CLUSTER_NODES: 'redis://:s3cret@10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002',
    });
    expect(config.queue.backend).toBe('redis');
    expect(config.redis.url).toBeUndefined();
    expect(config.redis.cluster).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: 's3cret',
      tls: false,
    });
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together, and a node that is not host:port', () => {
    expect(() =>
      loadConfig({ ...valid, REDIS_URL: 'redis://localhost:6379', REDIS_CLUSTER_NODES: 'localhost:7000' }),
    ).toThrow(/not both/);
    expect(() => loadConfig({ ...valid, REDIS_CLUSTER_NODES: 'http://x:1' })).toThrow(/not host:port/);
  });

  it('rejects a queue prefix that is not a hash tag', () => {
    expect(() => loadConfig({ ...valid, QUEUE_PREFIX: 'mend' })).toThrow(/hash tag/);
  });
});

describe('webAppOrigins', () => {
  it('takes a loopback public URL under each loopback name, same scheme and port', () => {
    expect(webAppOrigins({ publicUrl: 'http://localhost:3000', corsOrigins: [] })).toEqual([
      'http://localhost:3000',
      'http://127.0.0.1:3000',
      'http://[::1]:3000',
    ]);
    expect(webAppOrigins({ publicUrl: 'http://127.0.0.1:3000/', corsOrigins: ['http://localhost:5173'] })).toEqual([
      'http://127.0.0.1:3000',
      'http://localhost:3000',
      'http://[::1]:3000',
      'http://localhost:5173',
    ]);
  });

  it('adds nothing to a public URL that is not loopback', () => {
    expect(webAppOrigins({ publicUrl: 'https://mend.example.com', corsOrigins: ['https://app.example.com'] })).toEqual([
      'https://mend.example.com',
      'https://app.example.com',
    ]);
  });
});

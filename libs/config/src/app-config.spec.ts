import { ConfigValidationError, loadConfig } from './app-config.js';

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
    expect(() => loadConfig({ ...valid, NODE_ENV: 'production' })).toThrow(/REDIS_URL is required in production/);
  });

  it('rejects a queue prefix that is not a hash tag', () => {
    expect(() => loadConfig({ ...valid, QUEUE_PREFIX: 'mend' })).toThrow(/hash tag/);
  });
});

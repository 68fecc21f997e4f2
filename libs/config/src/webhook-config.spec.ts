import { ConfigValidationError, loadConfig } from './app-config.js';

const valid = { DATABASE_URL: 'postgres://mend_app:x@localhost:5432/mend', JWT_SECRET: 'x'.repeat(32) };

describe('webhook settings', () => {
  it('defaults to no allow-list, a 30 s first retry, a 24 h retry window, a 10 s timeout and 30 days of delivery log', () => {
    expect(loadConfig(valid).webhooks).toEqual({
      allowedHosts: [],
      retryBaseDelayMs: 30_000,
      retryWindowHours: 24,
      timeoutMs: 10_000,
      missedScanIntervalMs: 60_000,
      deliveryRetentionDays: 30,
    });
  });

  it('reads the delivery retention in days, within 1 to 3650', () => {
    expect(loadConfig({ ...valid, WEBHOOK_DELIVERY_RETENTION_DAYS: '7' }).webhooks.deliveryRetentionDays).toBe(7);
    expect(() => loadConfig({ ...valid, WEBHOOK_DELIVERY_RETENTION_DAYS: '0' })).toThrow(ConfigValidationError);
  });

  it('reads WEBHOOK_ALLOWED_HOSTS entries: host, host:port, [ipv6]:port, IPv6 and CIDR', () => {
    const config = loadConfig({
      ...valid,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:4000, Receiver.Local ,[::1]:8080,::1,10.20.0.0/16,fd00::/8',
    });
    expect(config.webhooks.allowedHosts).toEqual([
      { host: '127.0.0.1', port: 4000 },
      { host: 'receiver.local' },
      { host: '::1', port: 8080 },
      { host: '::1' },
      { host: '10.20.0.0/16' },
      { host: 'fd00::/8' },
    ]);
  });

  it('reports every bad entry and setting at once', () => {
    let error: ConfigValidationError | undefined;
    try {
      loadConfig({
        ...valid,
        WEBHOOK_ALLOWED_HOSTS: 'http://x,127.0.0.1:99999,10.0.0.0/40,bad host',
        WEBHOOK_RETRY_WINDOW_HOURS: '0',
      });
    } catch (e) {
      error = e as ConfigValidationError;
    }
    expect(error?.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"http://x"'),
        expect.stringContaining('"127.0.0.1:99999"'),
        expect.stringContaining('"10.0.0.0/40"'),
        expect.stringContaining('"bad host"'),
        expect.stringContaining('WEBHOOK_RETRY_WINDOW_HOURS'),
      ]),
    );
  });
});

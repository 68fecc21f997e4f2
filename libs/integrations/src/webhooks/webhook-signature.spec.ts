import { Webhook } from 'standardwebhooks';

import { generateWebhookSecret, signWebhook, webhookHeaders } from './webhook-signature.js';

describe('Standard Webhooks signing', () => {
  it("matches the specification's example", () => {
    expect(
      signWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('agrees with the standardwebhooks package for fresh secrets', () => {
    for (let i = 0; i < 20; i++) {
      const secret = generateWebhookSecret();
      const body = JSON.stringify({
        type: 'session.created',
        timestamp: new Date().toISOString(),
        data: { sessionId: `s-${i}`, coupleId: 'c' },
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = webhookHeaders(secret, `evt-${i}`, timestamp, body);
      expect(new Webhook(secret).sign(`evt-${i}`, new Date(timestamp * 1000), body)).toBe(headers['webhook-signature']);
      expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    }
  });

  it('signs with every given secret, so a receiver holding either one verifies during a rotation', () => {
    const [current, previous, other] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
    const body = JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: {} });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([current, previous], 'evt-rotation', timestamp, body);
    expect(headers['webhook-signature'].split(' ')).toEqual([
      signWebhook(current, 'evt-rotation', timestamp, body),
      signWebhook(previous, 'evt-rotation', timestamp, body),
    ]);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
  });

  it('makes secrets of 32 random bytes in the whsec_ form', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` + base64
 * of random bytes; the signature is `v1,` + base64(HMAC-SHA256(secret bytes, "<id>.<timestamp>.<body>")),
 * sent with `webhook-id` (stable across retries, so receivers can deduplicate) and
 * `webhook-timestamp` (unix seconds of this attempt, so receivers can refuse replays).
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(
    secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret,
    'base64',
  );
  const digest = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

/**
 * The headers of one attempt. During a secret rotation's overlap both secrets sign: the header
 * carries one space-separated `v1,` signature per secret (the new secret's first), and a
 * receiver holding either secret verifies the message.
 */
export function webhookHeaders(
  secrets: string | readonly string[],
  messageId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const all = typeof secrets === 'string' ? [secrets] : secrets;
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': all.map((secret) => signWebhook(secret, messageId, timestampSeconds, body)).join(' '),
  };
}

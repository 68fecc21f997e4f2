import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

import type { ResolvedTarget } from './target-address.js';

export interface SendResult {
  statusCode: number | null;
  /** An error class when no status came back (timeout, connection_refused, …). */
  error: string | null;
  durationMs: number;
}

/** The response body is read and dropped (never stored); more than this is cut off. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one webhook to the address that was checked (not to a fresh DNS answer), with the URL's
 * host in the Host header and, for https, as the TLS server name — so certificates are verified
 * against the name the clinic gave. Redirects are not followed: a 3xx is a failed attempt.
 */
export function sendWebhook(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<SendResult> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const isHttps = target.url.protocol === 'https:';
  const request = isHttps ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let isSettled = false;
    const settle = (result: Omit<SendResult, 'durationMs'>) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(deadline);
      resolve({ ...result, durationMs: elapsed() });
    };
    const req = request({
      host: target.address,
      family: target.family,
      port: target.port,
      method: 'POST',
      path: `${target.url.pathname}${target.url.search}`,
      servername: isHttps && !isIP(target.hostname) ? target.hostname : undefined,
      headers: {
        host: target.url.host,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Mend-Webhooks/1',
        ...headers,
      },
      agent: false,
    });
    // One deadline for the whole exchange (connect, headers and body), whatever the server does.
    const deadline = setTimeout(() => {
      req.destroy(new Error('timeout'));
      settle({ statusCode: null, error: 'timeout' });
    }, timeoutMs);
    req.on('response', (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) res.destroy();
      });
      const done = () => settle({ statusCode: res.statusCode ?? null, error: null });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (error: NodeJS.ErrnoException) => settle({ statusCode: null, error: errorClass(error) }));
    req.end(body);
  });
}

function errorClass(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ECONNRESET':
      return 'connection_reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    default:
      if (error.code?.startsWith('ERR_TLS') || error.code?.includes('CERT')) return 'tls_error';
      return error.message === 'timeout' ? 'timeout' : 'network_error';
  }
}

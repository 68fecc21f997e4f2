import { RequestMethod, VERSION_NEUTRAL } from '@nestjs/common';
import type { Params } from 'nestjs-pino';

/** Path segments that are secrets (invitation, calendar, check-in link and inbound webhook tokens) never reach a log. */
const SECRET_SEGMENTS = /\/(invitations|calendar|c|links|hooks)\/[^/?#]+/g;

export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const path = url.split('?')[0];
  return path.replace(SECRET_SEGMENTS, '/$1/[redacted]');
}

/**
 * JSON logs with the request id. Request and response bodies, query strings and headers are
 * never logged: they can carry check-in answers, notes or credentials.
 */
export function loggerParams(options: { level: string; pretty: boolean; service: string }): Params {
  return {
    // The default covers the versioned API (/v1/…) only; the client check-in page and its link
    // URLs (redacted above) are version-neutral routes and are logged like any other request.
    forRoutes: [
      { path: '{/*splat}', method: RequestMethod.ALL },
      { path: 'c/{*rest}', method: RequestMethod.ALL, version: VERSION_NEUTRAL },
      { path: 'check-in{/*rest}', method: RequestMethod.ALL, version: VERSION_NEUTRAL },
    ],
    pinoHttp: {
      level: options.level,
      base: { service: options.service },
      genReqId: (req) => String(req.headers['x-request-id'] ?? ''),
      customProps: () => ({}),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: (err: Error & { code?: string }) => ({
          type: err.name,
          message: err.message?.slice(0, 200),
          code: err.code,
        }),
      },
      redact: { paths: ['req.headers', 'res.headers', 'body', 'answers', 'notes'], remove: true },
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
      transport: options.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  };
}

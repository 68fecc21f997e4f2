import type { Params } from 'nestjs-pino';

/** Path segments that are secrets (invitation, calendar and check-in link tokens) never reach a log. */
const SECRET_SEGMENTS = /\/(invitations|calendar|c|links)\/[^/?#]+/g;

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
    pinoHttp: {
      level: options.level,
      base: { service: options.service },
      genReqId: (req) => String(req.headers['x-request-id'] ?? ''),
      customProps: () => ({}),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: (err: Error & { code?: string }) => ({ type: err.name, message: err.message?.slice(0, 200), code: err.code }),
      },
      redact: { paths: ['req.headers', 'res.headers', 'body', 'answers', 'notes'], remove: true },
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
      transport: options.pretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  };
}

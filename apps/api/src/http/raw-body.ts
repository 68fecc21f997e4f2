import { RouteConfig, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import type { AppConfig } from '@mend/config';

/**
 * Marks a route whose JSON body must reach the handler as the raw bytes, unparsed (a Buffer):
 * webhook signatures are computed over the exact bytes sent, and a parsed-then-reserialised body
 * would not match them.
 */
export const RawJsonBody = () => RouteConfig({ rawBody: true });

/**
 * The application/json parser: Fastify's own (prototype poisoning refused) for every route,
 * except routes marked with {@link RawJsonBody}, which get the body as a Buffer.
 *
 * JSON may spell a lone UTF-16 surrogate (`"\ud800"`), which is not text: validators throw on it
 * (URIError) and PostgreSQL stores it as garbage. Such a body is refused as a bad request.
 */
export function registerJsonParser(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser(
    'application/json',
    { bodyLimit: config.http.bodyLimitBytes },
    (request: FastifyRequest, body: Buffer, done) => {
      if ((request.routeOptions.config as { rawBody?: boolean } | undefined)?.rawBody === true) {
        done(null, body);
        return;
      }
      parseJson(request, body.toString('utf8'), (error, parsed) => {
        if (!error && hasLoneSurrogate(parsed)) {
          done(
            Object.assign(new Error('The request body contains text that is not valid Unicode'), {
              statusCode: 400,
              code: 'MEND_INVALID_UNICODE',
            }),
            undefined,
          );
          return;
        }
        done(error, parsed);
      });
    },
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([key, child]) => LONE_SURROGATE.test(key) || hasLoneSurrogate(child));
  return false;
}

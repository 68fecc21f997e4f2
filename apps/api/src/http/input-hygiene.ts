import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { problemType } from './problem.filter.js';

/**
 * One global wall against input PostgreSQL or a reader cannot take, before any route runs:
 *
 * - NUL and other C0/DEL control characters (tab, newline and carriage return excepted) in any
 *   string of the parsed body, query or path parameters answer 400, naming the field. PostgreSQL
 *   refuses NUL in text (that was a 500 on eleven routes), and the others have no place in names,
 *   notes or answers. The check-in page's own form (`/c/…`, `/check-in`) strips them instead and
 *   tells the page which fields changed: it answers a 400 page with every answer kept, so a partner
 *   never loses their answers to a stray character.
 * - A date or date-time string outside the years 2000–2100 answers 400: sessions dated 1900 or
 *   9999 are typing mistakes or probes, never plans.
 */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const CONTROL_ALL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const ISO_DATE = /^([+-]?\d{4,6})-\d{2}-\d{2}(?:[T ][0-9:.,]+(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
export const PLAUSIBLE_YEARS = { min: 2000, max: 2100 } as const;

/** The server-rendered check-in page keeps the partner's answers: there, control characters are stripped. */
const STRIPPING_PREFIXES = ['/c/', '/check-in'];

interface Finding {
  field: string;
  message: string;
}

function inspect(value: unknown, path: string, depth = 0): Finding | null {
  if (depth > 32) return null;
  if (typeof value === 'string') {
    if (CONTROL.test(value)) return { field: path, message: `${path} must not contain control characters` };
    const date = ISO_DATE.exec(value);
    if (date) {
      const year = Number(date[1]);
      if (year < PLAUSIBLE_YEARS.min || year > PLAUSIBLE_YEARS.max)
        return {
          field: path,
          message: `${path} must be a date between ${PLAUSIBLE_YEARS.min} and ${PLAUSIBLE_YEARS.max}`,
        };
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = inspect(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (CONTROL.test(key)) return { field: path || key, message: 'field names must not contain control characters' };
      const found = inspect(child, path ? `${path}.${key}` : key, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

function hasControl(value: unknown): boolean {
  if (typeof value === 'string') return CONTROL.test(value);
  return Array.isArray(value) && value.some((v) => typeof v === 'string' && CONTROL.test(v));
}

function strip(value: unknown, depth = 0): unknown {
  if (depth > 32) return value;
  if (typeof value === 'string') return value.replace(CONTROL_ALL, '');
  if (Array.isArray(value)) return value.map((v) => strip(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(CONTROL_ALL, ''), strip(v, depth + 1)]));
  }
  return value;
}

export function registerInputHygiene(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const isStripping = STRIPPING_PREFIXES.some((prefix) => request.url.startsWith(prefix));
    if (isStripping) {
      const body = request.body;
      // The page says which answers changed (it answers 400 with them kept) instead of saving altered text.
      if (body && typeof body === 'object' && !Array.isArray(body))
        (request as { strippedFields?: string[] }).strippedFields = Object.entries(body)
          .filter(([, value]) => hasControl(value))
          .map(([key]) => key);
      request.body = strip(request.body);
      (request as { query: unknown }).query = strip(request.query);
      return;
    }
    const found = inspect(request.params, '') ?? inspect(request.query, '') ?? inspect(request.body, '');
    if (!found) return;
    await reply
      .status(400)
      .header('Content-Type', 'application/problem+json; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send({
        type: problemType(400),
        title: 'Bad Request',
        status: 400,
        detail: 'The request has invalid fields',
        errors: [found],
        requestId: String(request.id),
      });
    return reply;
  });

  // Authenticated answers (check-ins, exports, progress) must not be kept by browsers or proxies;
  // no JSON answer of this API is meant to be cached, so every one says so unless a route chose.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (/json/.test(type) && !reply.hasHeader('cache-control')) void reply.header('Cache-Control', 'no-store');
    return payload;
  });
}

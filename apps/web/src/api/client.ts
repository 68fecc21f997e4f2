import createClient, { type Middleware } from 'openapi-fetch';

// The types `npm run openapi:export` generates from the API's own document (checked by the contract test).
import type { components, paths } from '../../../../openapi/mend-api';

export type Schemas = components['schemas'];

/** One field's problem, as the API's validation answers it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Problem types the API gives where one status covers problems a page treats differently
 * (documented on the OpenAPI problem schema). Pages branch on these, never on `detail`'s words.
 */
export const PROBLEM = {
  mfaCodeRequired: 'https://mend.dev/problems/mfa-code-required',
  mfaCodeInvalid: 'https://mend.dev/problems/mfa-code-invalid',
  mfaStepEnded: 'https://mend.dev/problems/mfa-step-ended',
  mfaLockedOut: 'https://mend.dev/problems/mfa-locked-out',
} as const;

/** An RFC 9457 problem+json answer, kept whole so pages can say what went wrong in plain words. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: FieldProblem[] = [],
    readonly retryAfterSeconds?: number,
    /** The problem's type URI: the status's own, or one of PROBLEM where pages must tell problems apart. */
    readonly type?: string,
  ) {
    super(detail ?? title);
  }

  /** The message for one field (`email`, `partners.0.email`), if the API named it. */
  forField(field: string): string | undefined {
    const found = this.errors.find((e) => e.field === field || e.field.endsWith(`.${field}`));
    return found ? sentence(found.message) : undefined;
  }

  /** Plain words for the whole problem. */
  get plain(): string {
    if (this.status === 0) return 'Mend could not be reached. Check your connection and try again.';
    if (this.status === 429) {
      const wait = this.retryAfterSeconds ? ` Try again in ${minutesOrSeconds(this.retryAfterSeconds)}.` : '';
      return `Too many attempts.${wait}`;
    }
    if (this.status >= 500) return 'Something went wrong on our side. Try again in a moment.';
    if (this.errors.length && !this.detail) return sentence(this.errors[0]!.message);
    return sentence(this.detail ?? this.title);
  }
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function minutesOrSeconds(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** The access token lives in this module's memory only: never in storage, never in the DOM. */
let accessToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

export function hasAccessToken(): boolean {
  return accessToken !== null;
}

export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

const auth: Middleware = {
  onRequest({ request }) {
    if (accessToken && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${accessToken}`);
    }
    return request;
  },
  onResponse({ request, response }) {
    const isAuthRoute = new URL(request.url).pathname.startsWith('/v1/auth/');
    if (response.status === 401 && accessToken && !isAuthRoute) onUnauthorized?.();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(auth);

/** Turns an openapi-fetch result into its data, or throws the ApiProblem. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiProblem(0, 'Network error', undefined);
  }
  const { data, error, response } = result;
  if (response.ok) return data as NonNullable<T>;
  throw toProblem(response, error);
}

export function toProblem(response: Response, error: unknown): ApiProblem {
  const body = (error ?? {}) as { type?: string; title?: string; detail?: string; errors?: FieldProblem[] };
  const retryAfter = Number(response.headers.get('Retry-After'));
  return new ApiProblem(
    response.status,
    body.title ?? response.statusText,
    body.detail,
    Array.isArray(body.errors) ? body.errors : [],
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    typeof body.type === 'string' ? body.type : undefined,
  );
}

export function problemOf(error: unknown): ApiProblem {
  return error instanceof ApiProblem ? error : new ApiProblem(0, 'Error', undefined);
}

/**
 * A POST to a route the checked-in schema does not describe yet (landing in parallel); typed
 * by the caller. Same error handling as the typed client.
 */
export async function rawPost<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiProblem(0, 'Network error', undefined);
  }
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw toProblem(response, parsed);
  return parsed as T;
}

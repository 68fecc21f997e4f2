/**
 * HTTP against an API child process: one call records what the fault suite judges (status,
 * content type, time, whether an error body leaks a stack); set-up goes through the
 * @mend/testing factories with the stack's `target`.
 */
import type { ClinicContext } from '@mend/testing';

export interface ApiResponse {
  status: number;
  contentType: string;
  body: any;
  text: string;
  startedAt: number;
  ms: number;
  /** A network failure or our own timeout (status 0): the connection was refused, reset or hung. */
  error?: string;
}

/** Signs of an internal error leaking: stack frames, source paths, driver messages. */
const LEAK =
  /\n\s+at\s|\bat\s+\S+\s+\(|\.(ts|js):\d+|node_modules|QueryFailedError|ECONNREFUSED|TypeORM|ioredis|\bstack\b/i;

export function leaksInternals(text: string): boolean {
  return LEAK.test(text);
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; timeoutMs?: number } = {},
  ): Promise<ApiResponse> {
    const startedAt = Date.now();
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      const text = await response.text();
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body,
        text,
        startedAt,
        ms: Date.now() - startedAt,
      };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const name = (error as Error).name;
      return {
        status: 0,
        contentType: '',
        body: undefined,
        text: '',
        startedAt,
        ms: Date.now() - startedAt,
        error: name === 'TimeoutError' ? 'timeout' : (cause ?? String(error)),
      };
    }
  }

  async expect(
    status: number,
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<any> {
    const res = await this.call(method, path, options);
    if (res.status !== status)
      throw new Error(
        `${method} ${path}: expected ${status}, got ${res.status} ${res.error ?? res.text.slice(0, 300)}`,
      );
    return res.body;
  }
}

/** No quiet hours and the highest daily cap, so every reminder goes out on its own, at its time. */
export async function sendRemindersImmediately(api: ApiClient, clinic: ClinicContext): Promise<void> {
  await api.expect(200, 'PATCH', '/v1/clinic/reminder-settings', {
    token: clinic.admin.accessToken,
    body: { quietHours: { start: '00:00', end: '00:00' }, dailyCap: 100 },
  });
}

/** Every in-app notification in a user's inbox, following the cursor. */
export async function inbox(
  api: ApiClient,
  token: string,
): Promise<Array<{ id: string; kind: string; sessionId: string | null }>> {
  const out: Array<{ id: string; kind: string; sessionId: string | null }> = [];
  let cursor: string | undefined;
  do {
    const page = await api.expect(
      200,
      'GET',
      `/v1/me/notifications?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token },
    );
    out.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

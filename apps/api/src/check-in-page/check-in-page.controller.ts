import { Body, Controller, Get, Logger, Param, Post, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '@mend/auth';
import {
  CheckInPageService,
  pageAsset,
  SESSION_COOKIE,
  type PageOutcome,
  type PageRequest,
  type PostedForm,
} from '@mend/check-in-page';

import { CheckInPageRenderer } from './check-in-page.renderer.js';

/** Stricter than the API's: no inline styles, nothing but this origin, no framing, forms post only here. */
export const CHECK_IN_PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

type CookieReply = FastifyReply & {
  setCookie(name: string, value: string, options: object): FastifyReply;
  clearCookie(name: string, options: object): FastifyReply;
};
type CookieRequest = FastifyRequest & { cookies?: Record<string, string | undefined> };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The client check-in page (HTML, not part of the JSON API or its OpenAPI document):
 * `GET|HEAD /c/{token}` landing (changes nothing), `POST /c/{token}` Continue (opens a session,
 * 303 to a URL without the token), `GET|POST /check-in` the form and its submit, and the page's
 * own assets. The token path segment is redacted from logs (libs/core `redactUrl`).
 */
@ApiExcludeController()
@Public()
@Controller({ version: VERSION_NEUTRAL })
export class CheckInPageController {
  private readonly logger = new Logger(CheckInPageController.name);

  constructor(
    private readonly pages: CheckInPageService,
    private readonly renderer: CheckInPageRenderer,
  ) {}

  @Get('c/:token')
  async landing(
    @Param('token') token: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.respond(request, reply, (req) => this.pages.landing(token, req));
  }

  @Post('c/:token')
  async continue(
    @Param('token') token: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.respond(request, reply, (req) => this.pages.continue(token, req));
  }

  @Get('check-in')
  async show(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.respond(request, reply, (req) => this.pages.show(req));
  }

  @Post('check-in')
  async submit(
    @Body() body: PostedForm | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.respond(request, reply, (req) => this.pages.submit(req, body && typeof body === 'object' ? body : {}));
  }

  @Get('check-in/assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const found = pageAsset(name);
    if (!found) {
      void reply.code(404).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send('Not found');
      return;
    }
    void reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('Content-Security-Policy', "default-src 'none'")
      .type(found.contentType)
      .send(found.body);
  }

  private async respond(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (req: PageRequest) => Promise<PageOutcome>,
  ): Promise<void> {
    const req: PageRequest = {
      ip: request.ip,
      requestId: String(request.id),
      acceptLanguage: header(request, 'accept-language'),
      secFetchSite: header(request, 'sec-fetch-site'),
      sessionToken: (request as CookieRequest).cookies?.[SESSION_COOKIE],
      strippedFields: (request as { strippedFields?: string[] }).strippedFields,
    };
    let outcome: PageOutcome;
    try {
      outcome = await work(req);
    } catch (error) {
      // Ids only: never the token, the cookie or an answer.
      this.logger.error({ err: error, requestId: req.requestId }, 'Check-in page failed');
      outcome = this.pages.failure(req, error);
    }
    await this.send(reply as CookieReply, outcome);
  }

  private async send(reply: CookieReply, outcome: PageOutcome): Promise<void> {
    void reply
      .header('Content-Security-Policy', CHECK_IN_PAGE_CSP)
      .header('Referrer-Policy', 'no-referrer')
      .header('Cache-Control', 'no-store')
      .header('X-Frame-Options', 'DENY')
      .header('X-Robots-Tag', 'noindex, nofollow');
    const cookieOptions = { path: this.pages.cookiePath, httpOnly: true, secure: true, sameSite: 'lax' as const };
    if (outcome.setSession)
      reply.setCookie(SESSION_COOKIE, outcome.setSession.token, {
        ...cookieOptions,
        maxAge: outcome.setSession.maxAgeSeconds,
      });
    else if (outcome.clearSession) reply.clearCookie(SESSION_COOKIE, cookieOptions);
    if (outcome.kind === 'redirect') {
      void reply.code(303).header('Location', outcome.location).send();
      return;
    }
    if (outcome.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(outcome.retryAfterSeconds));
    const html = await this.renderer.render(outcome.model);
    void reply.code(outcome.status).type('text/html; charset=utf-8').send(html);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { RateLimitService } from '@mend/auth';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import { Clock, DomainException, newId, type FieldProblem } from '@mend/core';
import { TenantDatabase } from '@mend/database';
import { getVersion, validateAnswers, type ExerciseVersionView } from '@mend/exercises';
import { checkInsRepository, CheckInsService, isLateAt } from '@mend/homework';
import { SafetyService } from '@mend/progress';

import { checkInLinksRepository as links, type LinkContext, type SessionContext } from './check-in-links.repository.js';
import {
  basePathOf,
  CSRF_FIELD,
  csrfTokenFor,
  isCsrfTokenValid,
  LINK_PATH,
  linkRefusal,
  newSessionToken,
  PAGE_PATH,
  parseLinkToken,
  parseSessionToken,
  SESSION_IDLE_MINUTES,
  sessionExpiresAt,
  sessionIdleExpiresAt,
} from './check-in-links.rules.js';
import {
  answersFromPost,
  errorSummaryItems,
  fieldErrors,
  fieldModels,
  inputName,
  visibilityFieldModel,
  visibilityFromPost,
  type PostedForm,
} from './check-in-page.form.js';
import {
  catalogLocale,
  firstName,
  format,
  formatDate,
  formatDateTime,
  localeFromAcceptLanguage,
  messagesFor,
} from './check-in-page.messages.js';
import {
  assetUrls,
  paragraphsOf,
  type CheckInPageModel,
  type FormModel,
  type MessageModel,
  type PageLayout,
} from './check-in-page.view.js';

/** What the HTTP layer knows about a page request; never the body of a check-in. */
export interface PageRequest {
  ip: string;
  requestId: string;
  acceptLanguage?: string;
  /** `Sec-Fetch-Site` (fetch metadata): `cross-site` POSTs are refused. */
  secFetchSite?: string;
  /** The session cookie, if any. */
  sessionToken?: string;
  /** Posted fields whose control characters (NUL and the like) the HTTP layer removed. */
  strippedFields?: string[];
}

export interface SessionCookie {
  token: string;
  maxAgeSeconds: number;
}

/** What to answer: a page (with its status), or a 303 to the page path; and what to do with the cookie. */
export type PageOutcome =
  | {
      kind: 'page';
      status: number;
      model: CheckInPageModel;
      retryAfterSeconds?: number;
      setSession?: SessionCookie;
      clearSession?: boolean;
    }
  | { kind: 'redirect'; location: string; setSession?: SessionCookie; clearSession?: boolean };

/**
 * The client check-in page: a link's scanner-safe landing, its Continue into a short session,
 * the form of the assignment's version, and the submit — through CheckInsService, so the API's
 * validator, one-per-occurrence rule, window, scoring and audit apply unchanged.
 */
@Injectable()
export class CheckInPageService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: TenantDatabase,
    private readonly checkIns: CheckInsService,
    private readonly audit: AuditService,
    private readonly rateLimit: RateLimitService,
    private readonly clock: Clock,
    private readonly safety: SafetyService,
  ) {}

  /** Where the session cookie is sent: the page path only. */
  get cookiePath(): string {
    return this.pagePath;
  }

  /** The page's path and URL come from the configured public URL (never the Host header). */
  private get pagePath(): string {
    return `${basePathOf(this.config.http.publicUrl)}${PAGE_PATH}`;
  }

  private get pageUrl(): string {
    return `${this.config.http.publicUrl}${PAGE_PATH}`;
  }

  /** GET/HEAD of a link: reads only. The clinic's name and a Continue button, or where the link stands. */
  async landing(token: string, req: PageRequest): Promise<PageOutcome> {
    const limited = await this.limit(req);
    if (limited) return limited;
    const parsed = parseLinkToken(token);
    if (!parsed) return this.unavailable(req);
    const ctx = await this.db.withClinic(parsed.clinicId, (tx) =>
      links.findLinkContext(tx, parsed.clinicId, parsed.hash),
    );
    const settled = this.settled(ctx, req, this.clock.now());
    if (settled) return settled;
    const m = messagesFor(ctx!.locale);
    return {
      kind: 'page',
      status: 200,
      model: {
        template: 'landing',
        layout: this.layout(ctx!.locale, m.titles.page, null),
        clinicName: ctx!.clinicName,
        lead: m.landing.lead,
        // No action attribute: the form posts back to this very URL, so the page never repeats the token.
        action: '',
        button: m.landing.continue,
        personal: m.landing.personal,
      },
    };
  }

  /** POST of a link (its Continue button): opens a page session bound to the link and leaves the token's URL. */
  async continue(token: string, req: PageRequest): Promise<PageOutcome> {
    const limited = await this.limit(req);
    if (limited) return limited;
    if (req.secFetchSite === 'cross-site') return { ...this.sessionEnded(req, null, 403), clearSession: false };
    const parsed = parseLinkToken(token);
    if (!parsed) return this.unavailable(req);
    return this.db.withClinic(parsed.clinicId, async (tx) => {
      const now = this.clock.now();
      const ctx = await links.findLinkContext(tx, parsed.clinicId, parsed.hash);
      const settled = this.settled(ctx, req, now);
      if (settled) return settled;
      const link = ctx!;
      const session = newSessionToken(link.clinicId);
      const expiresAt = sessionExpiresAt(now, link.expiresAt);
      const idleExpiresAt = sessionIdleExpiresAt(now, expiresAt);
      await links.insertSession(tx, {
        clinicId: link.clinicId,
        id: newId(),
        tokenHash: session.hash,
        linkId: link.linkId,
        occurrenceId: link.occurrenceId,
        partnerId: link.partnerId,
        createdAt: now,
        idleExpiresAt,
        expiresAt,
      });
      await this.audit.record(tx, {
        clinicId: link.clinicId,
        actorType: 'user',
        actorId: link.partnerId,
        action: 'check_in_link.open',
        resourceType: 'check_in_link',
        resourceId: link.linkId,
        outcome: 'success',
        requestId: req.requestId,
        ip: req.ip,
      });
      return {
        kind: 'redirect',
        location: this.pageUrl,
        setSession: this.cookieFor(session.token, now, idleExpiresAt),
      };
    });
  }

  /** GET of the page: the form, or the confirmation / "already submitted" once the occurrence is answered. */
  async show(req: PageRequest): Promise<PageOutcome> {
    const parsed = parseSessionToken(req.sessionToken);
    if (!parsed) return this.sessionEnded(req, null);
    return this.db.withClinic(parsed.clinicId, async (tx) => {
      const now = this.clock.now();
      const ctx = await links.findSessionContext(tx, parsed.clinicId, parsed.hash);
      const ended = await this.ended(tx, ctx, req, now);
      if (ended) return ended;
      const session = ctx!;
      const idleExpiresAt = sessionIdleExpiresAt(now, session.sessionExpiresAt);
      await links.touchSession(tx, session.clinicId, session.sessionId, now, idleExpiresAt);
      const setSession = this.cookieFor(req.sessionToken!, now, idleExpiresAt);
      if (session.checkIn) return { ...(await this.answered(tx, session)), setSession };
      if (now.getTime() < session.opensAt.getTime()) return { ...this.notOpen(session), setSession };
      const version = await this.version(tx, session);
      const partnerName = await this.sharingPartnerName(tx, session);
      return {
        kind: 'page',
        status: 200,
        model: this.formModel(session, version, partnerName, null, new Map(), null, now),
        setSession,
      };
    });
  }

  /** POST of the page: checks the CSRF token, then submits through CheckInsService; errors re-render with every answer kept. */
  async submit(req: PageRequest, posted: PostedForm): Promise<PageOutcome> {
    const parsed = parseSessionToken(req.sessionToken);
    if (!parsed) return this.sessionEnded(req, null);
    if (req.secFetchSite === 'cross-site') return { ...this.sessionEnded(req, null, 403), clearSession: false };
    const loaded = await this.db.withClinic(parsed.clinicId, async (tx) => {
      const now = this.clock.now();
      const ctx = await links.findSessionContext(tx, parsed.clinicId, parsed.hash);
      const ended = await this.ended(tx, ctx, req, now);
      if (ended) return { isReady: false as const, outcome: ended };
      const session = ctx!;
      // Refused without ending the session: a forged request must not log the partner out either.
      if (!isCsrfTokenValid({ id: session.linkId, tokenHash: session.linkTokenHash }, posted[CSRF_FIELD])) {
        return { isReady: false as const, outcome: { ...this.sessionEnded(req, session, 403), clearSession: false } };
      }
      if (session.checkIn) return { isReady: false as const, outcome: this.toPage() };
      if (now.getTime() < session.opensAt.getTime()) return { isReady: false as const, outcome: this.notOpen(session) };
      const idleExpiresAt = sessionIdleExpiresAt(now, session.sessionExpiresAt);
      await links.touchSession(tx, session.clinicId, session.sessionId, now, idleExpiresAt);
      const version = await this.version(tx, session);
      const partnerName = await this.sharingPartnerName(tx, session);
      return {
        isReady: true as const,
        session,
        version,
        partnerName,
        setSession: this.cookieFor(req.sessionToken!, now, idleExpiresAt),
      };
    });
    if (!loaded.isReady) return loaded.outcome;
    const { session, version, partnerName, setSession } = loaded;

    const answers = answersFromPost(version.form, posted);
    const visibility = visibilityFromPost(posted, partnerName !== null);
    const reRender = (problems: FieldProblem[]): PageOutcome => {
      const m = messagesFor(session.locale);
      const model = this.formModel(
        session,
        version,
        partnerName,
        posted,
        fieldErrors(version.form, problems, posted, m),
        visibility === null ? m.errors.visibility : null,
        this.clock.now(),
      );
      return { kind: 'page', status: 400, model, setSession };
    };
    // An answer that held control characters (NUL …) is not saved as silently changed text: the page
    // answers 400 with the cleaned answers kept, says which ones changed, and the partner sends again.
    const changed = version.form.fields.filter((f) => req.strippedFields?.includes(inputName(f.key)));
    if (changed.length > 0) {
      const m = messagesFor(session.locale);
      const errors = fieldErrors(version.form, validateAnswers(version.form, answers), posted, m);
      for (const field of changed) errors.set(field.key, m.errors.controlCharacters);
      const model = this.formModel(
        session,
        version,
        partnerName,
        posted,
        errors,
        visibility === null ? m.errors.visibility : null,
        this.clock.now(),
      );
      return { kind: 'page', status: 400, model, setSession };
    }
    // The same validator the service runs; called here only so a missing visibility is reported together with the answers.
    if (visibility === null) return reRender(validateAnswers(version.form, answers));
    try {
      await this.checkIns.submitAsPartner(
        { clinicId: session.clinicId, userId: session.partnerId, requestId: req.requestId, ip: req.ip },
        session.occurrenceId,
        {
          answers,
          visibility,
        },
      );
    } catch (error) {
      if (!(error instanceof DomainException)) throw error;
      switch (error.code) {
        case 'invalid':
          return reRender(error.details.errors ?? []);
        // Answered meanwhile (a double submit, or the other partner in joint mode): the page says so.
        case 'conflict':
          return { ...this.toPage(), setSession };
        case 'not_found':
        case 'unprocessable':
          return this.unavailable(req, session.locale);
        default:
          throw error;
      }
    }
    return { ...this.toPage(), setSession };
  }

  /** A page for the HTTP layer's own refusals and failures (rate limit, unexpected errors). */
  failure(req: PageRequest, error: unknown): PageOutcome {
    if (error instanceof DomainException && error.code === 'rate_limited')
      return this.tooMany(req, error.details.retryAfterSeconds);
    const m = messagesFor(localeFromAcceptLanguage(req.acceptLanguage));
    return this.message(500, localeFromAcceptLanguage(req.acceptLanguage), m.titles.failed, null, m.failed.heading, [
      m.failed.body,
    ]);
  }

  private async limit(req: PageRequest): Promise<PageOutcome | null> {
    try {
      await this.rateLimit.consume('checkInLinkPerIp', req.ip);
      return null;
    } catch (error) {
      if (error instanceof DomainException && error.code === 'rate_limited')
        return this.tooMany(req, error.details.retryAfterSeconds);
      throw error;
    }
  }

  /**
   * A link that no longer leads to a form: refused (one neutral page, whatever the reason), or
   * already answered ("Already submitted on …" — reopening a used link is not an error). Revoked
   * links and partners who left say nothing about the check-in.
   */
  private settled(ctx: LinkContext | null, req: PageRequest, now: Date): PageOutcome | null {
    const refusal = linkRefusal(ctx, now);
    if (refusal === 'unknown' || refusal === 'revoked' || refusal === 'partner_gone') return this.unavailable(req);
    if (ctx!.checkIn) return this.done(ctx!);
    if (refusal) return this.unavailable(req);
    return null;
  }

  /** A session that is missing, idle, over, or whose link stopped working: deleted, and the cookie cleared. */
  private async ended(
    tx: EntityManager,
    ctx: SessionContext | null,
    req: PageRequest,
    now: Date,
  ): Promise<PageOutcome | null> {
    if (!ctx) return this.sessionEnded(req, null);
    if (now.getTime() >= ctx.idleExpiresAt.getTime() || now.getTime() >= ctx.sessionExpiresAt.getTime()) {
      await links.deleteSession(tx, ctx.clinicId, ctx.sessionId);
      return this.sessionEnded(req, ctx);
    }
    const refusal = linkRefusal(ctx, now);
    const isRefused = refusal === 'revoked' || refusal === 'partner_gone' || (refusal !== null && !ctx.checkIn);
    if (!isRefused) return null;
    await links.deleteSession(tx, ctx.clinicId, ctx.sessionId);
    return { ...this.unavailable(req), clearSession: true };
  }

  private async version(tx: EntityManager, ctx: LinkContext): Promise<ExerciseVersionView> {
    const version = await getVersion(tx, ctx.clinicId, ctx.exerciseId, ctx.exerciseVersion);
    if (!version) throw new Error(`Assignment ${ctx.assignmentId} points at a missing exercise version`);
    return version;
  }

  private toPage(): PageOutcome {
    return { kind: 'redirect', location: this.pageUrl };
  }

  private cookieFor(token: string, now: Date, idleExpiresAt: Date): SessionCookie {
    return {
      token,
      maxAgeSeconds: Math.max(
        1,
        Math.min(SESSION_IDLE_MINUTES * 60, Math.floor((idleExpiresAt.getTime() - now.getTime()) / 1000)),
      ),
    };
  }

  private layout(locale: string, title: string, brand: string | null): PageLayout {
    return { lang: catalogLocale(locale), title, brand, ...assetUrls(`${this.pagePath}/assets`) };
  }

  private message(
    status: number,
    locale: string,
    title: string,
    brand: string | null,
    heading: string,
    paragraphs: string[],
    isStatus = false,
  ): PageOutcome {
    const model: MessageModel = {
      template: 'message',
      layout: this.layout(locale, title, brand),
      heading,
      paragraphs,
      isStatus,
    };
    return { kind: 'page', status, model };
  }

  /** Unknown, expired, revoked and cancelled links: one page, one status, in the browser's language. */
  private unavailable(req: PageRequest, locale?: string): PageOutcome {
    const lang = locale ?? localeFromAcceptLanguage(req.acceptLanguage);
    const m = messagesFor(lang);
    return this.message(404, lang, m.titles.unavailable, null, m.unavailable.heading, [
      m.unavailable.body,
      m.unavailable.newLink,
    ]);
  }

  private sessionEnded(req: PageRequest, ctx: LinkContext | null, status = 403): PageOutcome {
    const lang = ctx?.locale ?? localeFromAcceptLanguage(req.acceptLanguage);
    const m = messagesFor(lang);
    return {
      ...this.message(status, lang, m.titles.sessionEnded, null, m.sessionEnded.heading, [m.sessionEnded.body]),
      clearSession: true,
    };
  }

  private tooMany(req: PageRequest, retryAfterSeconds: number | undefined): PageOutcome {
    const lang = localeFromAcceptLanguage(req.acceptLanguage);
    const m = messagesFor(lang);
    const page = this.message(429, lang, m.titles.tooMany, null, m.tooMany.heading, [m.tooMany.body]);
    return { ...page, retryAfterSeconds: retryAfterSeconds ?? 60 } as PageOutcome;
  }

  private done(ctx: LinkContext): PageOutcome {
    const m = messagesFor(ctx.locale);
    const date = formatDate(ctx.checkIn!.submittedAt, ctx.timezone, catalogLocale(ctx.locale));
    return this.message(200, ctx.locale, m.titles.done, ctx.clinicName, format(m.done.heading, { date }), [
      m.done.body,
    ]);
  }

  private notOpen(ctx: LinkContext): PageOutcome {
    const m = messagesFor(ctx.locale);
    const date = formatDateTime(ctx.opensAt, ctx.timezone, catalogLocale(ctx.locale));
    return this.message(200, ctx.locale, m.titles.notOpen, ctx.clinicName, m.notOpen.heading, [
      format(m.notOpen.body, { date }),
    ]);
  }

  /** The session's own submission gets the confirmation; anything else reads "Already submitted on …". */
  private async answered(tx: EntityManager, ctx: SessionContext): Promise<PageOutcome> {
    const checkIn = ctx.checkIn!;
    if (checkIn.authorId !== ctx.partnerId || checkIn.submittedAt.getTime() < ctx.sessionCreatedAt.getTime())
      return this.done(ctx);
    const m = messagesFor(ctx.locale);
    const partnerName =
      checkIn.visibility === 'shared'
        ? await links.otherPartnerName(tx, ctx.clinicId, ctx.coupleId, ctx.partnerId)
        : null;
    // Reveal together: the partner is told when the other will see it, in their own zone.
    const reveal = partnerName
      ? await checkInsRepository.revealOf(tx, ctx.clinicId, checkIn.id, this.clock.now())
      : null;
    const who = !partnerName
      ? m.sent.private
      : reveal && !reveal.isRevealed
        ? format(m.sent.sharedLater, {
            partner: firstName(partnerName),
            date: formatDateTime(reveal.revealsAt, ctx.timezone, catalogLocale(ctx.locale)),
          })
        : format(m.sent.shared, { partner: firstName(partnerName) });
    // Only this partner's own confirmation carries the crisis resources (the session is theirs).
    const crisis = await this.safety.crisisResourcesFor(tx, ctx.clinicId, checkIn.id, ctx.partnerId);
    const support = crisis === null ? [] : [m.sent.safety, ...paragraphsOf(crisis)];
    return this.message(
      200,
      ctx.locale,
      m.titles.sent,
      ctx.clinicName,
      m.sent.heading,
      [who, ...support, m.sent.close],
      true,
    );
  }

  /**
   * The partner a check-in could be shared with, or null when there is none to offer: a solo
   * partner, or an assignment given to this partner alone (the safety check), which the other
   * partner must not even learn exists — its page offers no share choice and sends it private.
   */
  private async sharingPartnerName(tx: EntityManager, session: SessionContext): Promise<string | null> {
    if (session.assigneeId !== null) return null;
    return links.otherPartnerName(tx, session.clinicId, session.coupleId, session.partnerId);
  }

  private formModel(
    ctx: SessionContext,
    version: ExerciseVersionView,
    partnerName: string | null,
    posted: PostedForm | null,
    errors: Map<string, string>,
    visibilityError: string | null,
    now: Date,
  ): FormModel {
    const m = messagesFor(ctx.locale);
    const locale = catalogLocale(ctx.locale);
    const fields = fieldModels(version.form, posted, errors, m);
    const partner = partnerName ? firstName(partnerName) : null;
    const postedVisibility = posted ? posted.visibility : undefined;
    const visibilityField = visibilityFieldModel(m, partner, posted, visibilityError);
    const invalid = [...fields.filter((f) => f.error), ...(visibilityField?.error ? [visibilityField] : [])];
    // "This was due…" only once the check-in would be late (after the end of the partner's day), not a minute after.
    const isLate = isLateAt(ctx, now);
    const due = isLate
      ? format(m.form.dueLate, {
          date: formatDateTime(ctx.dueAt, ctx.timezone, locale),
          closes: formatDateTime(ctx.occurrenceClosesAt, ctx.timezone, locale),
        })
      : format(m.form.due, { date: formatDateTime(ctx.dueAt, ctx.timezone, locale) });
    const therapistNote = paragraphsOf(ctx.instructions);
    return {
      template: 'form',
      layout: this.layout(ctx.locale, invalid.length ? m.titles.error : m.titles.page, ctx.clinicName),
      heading: version.title,
      due,
      therapistNote: therapistNote.length ? { heading: m.form.therapistNote, paragraphs: therapistNote } : null,
      about: { heading: m.form.aboutExercise, paragraphs: paragraphsOf(version.instructions) },
      action: this.pagePath,
      csrfField: CSRF_FIELD,
      csrf: csrfTokenFor({ id: ctx.linkId, tokenHash: ctx.linkTokenHash }),
      fields,
      visibility: { field: visibilityField, solo: m.form.visibilitySolo },
      submit: m.form.submit,
      optionalLabel: m.form.optional,
      errorPrefix: m.errors.prefix,
      errorSummary: invalid.length
        ? {
            heading: m.errors.summaryHeading,
            items: errorSummaryItems(m, invalid),
          }
        : null,
    };
  }
}

/** The link path for a token, relative to the public URL's origin (for tests and the controller). */
export function linkPathFor(publicUrl: string, token: string): string {
  return `${basePathOf(publicUrl)}${LINK_PATH}/${token}`;
}

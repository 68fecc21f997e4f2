import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import { APP_CONFIG, type AppConfig } from '@mend/config';
import {
  Clock,
  decodeCursor,
  DomainException,
  issueToken,
  newId,
  toPage,
  type Page,
  type Principal,
  type Role,
  type UserPrincipal,
} from '@mend/core';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';
import { JobName, OutboxWriter } from '@mend/queue';

import { toClinicView, toUserView, type ClinicView, type QuietHours, type UserView } from './identity.views.js';
import { invitationsRepository } from './invitations.repository.js';
import { ProfileHooks } from './profile.hooks.js';
import { usersRepository } from './users.repository.js';

export interface InviteUserInput {
  name: string;
  email: string;
  role: Role;
  timezone?: string;
}

export interface InvitedUser {
  user: UserView;
  /**
   * Only with INVITATION_LINKS_IN_RESPONSES (development by default): otherwise the link goes to
   * the invitee's email alone, so the inviter cannot accept it in the invitee's name.
   */
  invitationUrl?: string;
  invitationExpiresAt: Date;
}

export interface UpdateMeInput {
  name?: string;
  timezone?: string;
  locale?: string;
  quietHours?: QuietHours | null;
}

export interface UpdateUserInput {
  disabled?: boolean;
  role?: 'admin' | 'therapist';
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly idempotency: IdempotencyService,
    private readonly clock: Clock,
    private readonly profileHooks: ProfileHooks,
  ) {}

  /** Staff invitation by an admin; with an Idempotency-Key, a retry answers the first invitation. */
  async invite(
    principal: UserPrincipal,
    input: InviteUserInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<InvitedUser | { user: UserView }>> {
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: 'POST /v1/users',
        body: input,
        statusCode: 201,
        resourceIdOf: (invited) => invited.user.id,
        // The invitation link is a secret shown once: a replay answers the user without it.
        replay: async (id) => ({ user: await this.get(principal, id) }),
      },
      async (tx) => {
        const invited = await this.createInvitedUser(tx, principal, input);
        await this.audit.record(tx, this.audit.entryFor(principal, 'user.invite', 'user', invited.user.id));
        return invited;
      },
    );
  }

  /**
   * Creates a user with no password and a single-use invitation link. Shared by staff
   * invitations and (later) partners added to a couple; runs in the caller's transaction.
   */
  async createInvitedUser(tx: EntityManager, principal: UserPrincipal, input: InviteUserInput): Promise<InvitedUser> {
    const email = normaliseEmail(input.email);
    if (await usersRepository.findByEmail(tx, principal.clinicId, email)) {
      throw new DomainException('conflict', 'A user with this email already exists in this clinic', {
        errors: [{ field: 'email', message: 'email is already in use in this clinic' }],
      });
    }
    const clinic = await usersRepository.findClinic(tx, principal.clinicId);
    const user = await usersRepository.insert(tx, {
      clinicId: principal.clinicId,
      id: newId(),
      email,
      name: input.name.trim(),
      role: input.role,
      timezone: input.timezone ?? clinic?.timezone ?? 'UTC',
      passwordHash: null,
    });
    const { url, expiresAt } = await this.issueInvitation(tx, principal.clinicId, user.id, principal.userId);
    return { user: toUserView(user), ...this.linkForInviter(url), invitationExpiresAt: expiresAt };
  }

  /** A new link for someone who has not accepted yet; earlier links stop working. */
  async reissueInvitation(principal: UserPrincipal, userId: string): Promise<InvitedUser> {
    return this.db.withClinic(principal.clinicId, (tx) => this.reissueInvitationIn(tx, principal, userId));
  }

  /** Same, inside the caller's transaction (the caller has checked the principal may do this). */
  async reissueInvitationIn(tx: EntityManager, principal: UserPrincipal, userId: string): Promise<InvitedUser> {
    const user = await usersRepository.findById(tx, principal.clinicId, userId);
    if (!user) throw DomainException.notFound('User');
    if (user.password_hash) throw new DomainException('conflict', 'This user has already accepted an invitation');
    await invitationsRepository.revokeOpen(tx, principal.clinicId, userId);
    const { url, expiresAt } = await this.issueInvitation(tx, principal.clinicId, userId, principal.userId);
    await this.audit.record(tx, this.audit.entryFor(principal, 'user.invite', 'user', userId));
    return { user: toUserView(user), ...this.linkForInviter(url), invitationExpiresAt: expiresAt };
  }

  /** Separation of duties: the inviter sees the link only where the configuration allows (development). */
  private linkForInviter(url: string): { invitationUrl?: string } {
    return this.config.auth.invitationLinksInResponses ? { invitationUrl: url } : {};
  }

  private async issueInvitation(
    tx: EntityManager,
    clinicId: string,
    userId: string,
    createdBy: string,
  ): Promise<{ url: string; expiresAt: Date }> {
    const { token, hash } = issueToken('inv', clinicId);
    const expiresAt = new Date(this.clock.nowMs() + this.config.auth.invitationTtlDays * 86_400_000);
    const invitationId = newId();
    await invitationsRepository.insert(tx, {
      clinicId,
      id: invitationId,
      userId,
      tokenHash: hash,
      expiresAt,
      createdBy,
    });
    await this.outbox.enqueue(tx, clinicId, { name: JobName.InvitationEmail, data: { clinicId, invitationId } });
    return { url: invitationPageUrl(this.config.http.publicUrl, token), expiresAt };
  }

  async list(
    principal: UserPrincipal,
    query: { role?: Role; limit: number; cursor?: string },
  ): Promise<Page<UserView>> {
    const afterId = decodeCursor(query.cursor);
    const rows = await this.db.withClinic(principal.clinicId, (tx) =>
      usersRepository.list(tx, principal.clinicId, { role: query.role, afterId, limit: query.limit }),
    );
    return toPage(rows, query.limit, toUserView);
  }

  async get(principal: UserPrincipal, userId: string): Promise<UserView> {
    const row = await this.db.withClinic(principal.clinicId, (tx) =>
      usersRepository.findById(tx, principal.clinicId, userId),
    );
    if (!row) throw DomainException.notFound('User');
    return toUserView(row);
  }

  async update(principal: UserPrincipal, userId: string, input: UpdateUserInput): Promise<UserView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const user = await usersRepository.findById(tx, principal.clinicId, userId);
      if (!user) throw DomainException.notFound('User');
      if (userId === principal.userId && (input.disabled === true || (input.role && input.role !== 'admin'))) {
        throw new DomainException('conflict', 'Admins cannot disable themselves or remove their own admin role');
      }
      if (input.role && user.role === 'client') {
        throw new DomainException('unprocessable', 'A client cannot be given a staff role', {
          errors: [{ field: 'role', message: 'clients keep the client role' }],
        });
      }
      const updated = await usersRepository.update(tx, principal.clinicId, userId, {
        role: input.role,
        disabled_at: input.disabled === undefined ? undefined : input.disabled ? this.clock.now() : null,
      });
      if (input.disabled === true) {
        await tx.query(
          `UPDATE refresh_token SET revoked_at = mend_now(), revoked_reason = 'user_disabled' WHERE clinic_id = $1 AND user_id = $2 AND revoked_at IS NULL`,
          [principal.clinicId, userId],
        );
      }
      if (input.disabled !== undefined) {
        await this.audit.record(
          tx,
          this.audit.entryFor(principal, input.disabled ? 'user.disable' : 'user.enable', 'user', userId),
        );
      }
      if (input.role && input.role !== user.role) {
        await this.audit.record(tx, this.audit.entryFor(principal, 'user.role_change', 'user', userId));
      }
      return toUserView(updated!);
    });
  }

  async me(principal: UserPrincipal): Promise<{ user: UserView; clinic: ClinicView; coupleId: string | null }> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const user = await usersRepository.findById(tx, principal.clinicId, principal.userId);
      const clinic = await usersRepository.findClinic(tx, principal.clinicId);
      if (!user || !clinic) throw DomainException.notFound('User');
      // A partner's own couple: the id their couple's pages (the repair plan) are reached by.
      const coupleId =
        principal.role === 'client' ? await usersRepository.coupleOf(tx, principal.clinicId, principal.userId) : null;
      return { user: toUserView(user), clinic: toClinicView(clinic), coupleId };
    });
  }

  async updateMe(principal: UserPrincipal, input: UpdateMeInput): Promise<UserView> {
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const quiet = input.quietHours;
      const before = await usersRepository.findById(tx, principal.clinicId, principal.userId);
      const row = await usersRepository.update(tx, principal.clinicId, principal.userId, {
        name: input.name?.trim(),
        timezone: input.timezone,
        locale: input.locale,
        quiet_hours_start: quiet === undefined ? undefined : quiet === null ? null : quiet.start,
        quiet_hours_end: quiet === undefined ? undefined : quiet === null ? null : quiet.end,
      });
      if (!row) throw DomainException.notFound('User');
      const isZoneChanged = before !== null && row.timezone !== before.timezone;
      if (isZoneChanged) await this.profileHooks.timezoneChanged(tx, principal.clinicId, principal.userId);
      const isQuietChanged =
        before !== null &&
        (row.quiet_hours_start !== before.quiet_hours_start || row.quiet_hours_end !== before.quiet_hours_end);
      if (isZoneChanged || isQuietChanged)
        await this.profileHooks.reminderWindowChanged(tx, principal.clinicId, principal.userId);
      await this.audit.record(tx, this.audit.entryFor(principal, 'user.update_profile', 'user', principal.userId));
      return toUserView(row);
    });
  }

  /** For audit/actor checks elsewhere: the principal is a user principal of the clinic. */
  static requireUser(principal: Principal): UserPrincipal {
    if (principal.kind !== 'user') throw new DomainException('forbidden', 'This action needs a signed-in user');
    return principal;
  }
}

/**
 * The link a person receives: the web app's invitation page (apps/web), which names the clinic and
 * the inviter and sets the password through GET/POST /v1/invitations/{token}.
 */
export function invitationPageUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/invitations/${token}`;
}

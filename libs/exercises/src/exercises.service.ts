import { isDeepStrictEqual } from 'node:util';

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

import { AuditService } from '@mend/audit';
import {
  decodeCursor,
  DomainException,
  newId,
  toPage,
  type FieldProblem,
  type Page,
  type UserPrincipal,
} from '@mend/core';
import { IdempotencyService, TenantDatabase, type IdempotentResult } from '@mend/database';

import { ensureBuiltins } from './builtin-sync.js';
import { normalizeContent, validateExerciseContent } from './exercise-content.js';
import type {
  CreateExerciseInput,
  ExerciseContentInput,
  ExerciseVersionView,
  ExerciseView,
  ListExercisesQuery,
  UpdateExerciseInput,
} from './exercise.types.js';
import { exercisesRepository, toExerciseView, type ExerciseRow, type VersionContent } from './exercises.repository.js';

const CONTENT_KEYS = [
  'title',
  'category',
  'instructions',
  'mode',
  'defaultCadence',
  'form',
  'scoring',
] as const satisfies ReadonlyArray<keyof ExerciseContentInput>;

/** The version an assignment was given, for the libraries that assign and check in. */
export function getVersion(
  tx: EntityManager,
  clinicId: string,
  exerciseId: string,
  version: number,
): Promise<ExerciseVersionView | null> {
  return exercisesRepository.findVersion(tx, clinicId, exerciseId, version);
}

/** An exercise of the clinic with its current version (built-ins synced first), or null. */
export async function findExercise(
  tx: EntityManager,
  clinicId: string,
  exerciseId: string,
): Promise<ExerciseView | null> {
  await ensureBuiltins(tx, clinicId);
  const row = await exercisesRepository.findById(tx, clinicId, exerciseId);
  return row ? toExerciseView(row) : null;
}

function requireStaff(principal: UserPrincipal): void {
  // Clients see exercises only through their assignments; the route's roles say so too.
  if (principal.role === 'client') throw new DomainException('forbidden', 'Your role does not allow this action');
}

function contentOf(row: ExerciseRow): VersionContent {
  return {
    title: row.title,
    category: row.category,
    instructions: row.instructions,
    mode: row.mode,
    defaultCadence: row.default_cadence,
    form: row.form,
    scoring: row.scoring,
  };
}

function invalid(problems: FieldProblem[]): DomainException {
  return new DomainException('invalid', 'The exercise is not valid', { errors: problems });
}

@Injectable()
export class ExercisesService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
  ) {}

  /** Built-ins plus the clinic's own, oldest first (built-ins lead), cursor-paginated. */
  async list(principal: UserPrincipal, query: ListExercisesQuery): Promise<Page<ExerciseView>> {
    requireStaff(principal);
    const afterId = decodeCursor(query.cursor);
    const rows = await this.db.withClinic(principal.clinicId, async (tx) => {
      await ensureBuiltins(tx, principal.clinicId);
      return exercisesRepository.list(tx, principal.clinicId, {
        category: query.category,
        mode: query.mode,
        source: query.source,
        includeArchived: query.includeArchived ?? false,
        afterId,
        limit: query.limit + 1,
      });
    });
    return toPage(rows, query.limit, toExerciseView);
  }

  async get(principal: UserPrincipal, exerciseId: string): Promise<ExerciseView> {
    requireStaff(principal);
    const view = await this.db.withClinic(principal.clinicId, (tx) => findExercise(tx, principal.clinicId, exerciseId));
    if (!view) throw DomainException.notFound('Exercise');
    return view;
  }

  /** A clinic's own exercise, at version 1. With an Idempotency-Key, a retry answers the first result. */
  async create(
    principal: UserPrincipal,
    input: CreateExerciseInput,
    idempotencyKey?: string,
  ): Promise<IdempotentResult<ExerciseView>> {
    requireStaff(principal);
    const problems = validateExerciseContent(input);
    if (problems.length) throw invalid(problems);
    const content = normalizeContent(input);
    return this.idempotency.run(
      principal,
      {
        key: idempotencyKey,
        operation: 'POST /v1/exercises',
        body: input,
        statusCode: 201,
        replay: (id) => this.get(principal, id),
      },
      async (tx) => {
        const id = newId();
        await exercisesRepository.insertExercise(tx, { clinicId: principal.clinicId, id, createdBy: principal.userId });
        await exercisesRepository.insertVersion(tx, principal.clinicId, id, 1, content);
        await this.audit.record(tx, this.audit.entryFor(principal, 'exercise.create', 'exercise', id));
        return this.reload(tx, principal.clinicId, id);
      },
    );
  }

  /**
   * Content changes add a version (existing assignments keep theirs); `archived` moves the
   * exercise off or back onto the shelf. Built-ins are read-only.
   */
  async update(principal: UserPrincipal, exerciseId: string, input: UpdateExerciseInput): Promise<ExerciseView> {
    requireStaff(principal);
    return this.db.withClinic(principal.clinicId, async (tx) => {
      const current = await exercisesRepository.findById(tx, principal.clinicId, exerciseId, { lock: true });
      if (!current) throw DomainException.notFound('Exercise');
      if (current.builtin_key !== null) {
        throw new DomainException(
          'conflict',
          'Built-in exercises are read-only. To adapt one, copy its title, instructions and form into a new exercise of your own with POST /v1/exercises.',
        );
      }
      if (CONTENT_KEYS.some((key) => input[key] !== undefined))
        await this.addVersionIfChanged(tx, principal, current, input);
      if (input.archived !== undefined && input.archived !== (current.archived_at !== null)) {
        await exercisesRepository.setArchived(tx, principal.clinicId, exerciseId, input.archived);
        await this.audit.record(
          tx,
          this.audit.entryFor(
            principal,
            input.archived ? 'exercise.archive' : 'exercise.restore',
            'exercise',
            exerciseId,
          ),
        );
      }
      return this.reload(tx, principal.clinicId, exerciseId);
    });
  }

  private async addVersionIfChanged(
    tx: EntityManager,
    principal: UserPrincipal,
    current: ExerciseRow,
    input: UpdateExerciseInput,
  ): Promise<void> {
    const before = contentOf(current);
    const merged: ExerciseContentInput = {
      title: input.title ?? before.title,
      category: input.category ?? before.category,
      instructions: input.instructions ?? before.instructions,
      mode: input.mode ?? before.mode,
      defaultCadence: input.defaultCadence === undefined ? before.defaultCadence : input.defaultCadence,
      form: input.form ?? before.form,
      scoring: input.scoring === undefined ? before.scoring : input.scoring,
    };
    const problems = validateExerciseContent(merged);
    if (problems.length) throw invalid(problems);
    const after = normalizeContent(merged);
    // Saving the same content again is not a new version (jsonb reorders keys; compare by value).
    if (isDeepStrictEqual(JSON.parse(JSON.stringify(after)), JSON.parse(JSON.stringify(before)))) return;
    const version = current.current_version + 1;
    await exercisesRepository.insertVersion(tx, principal.clinicId, current.id, version, after);
    await exercisesRepository.advanceVersion(tx, principal.clinicId, current.id, version);
    await this.audit.record(tx, this.audit.entryFor(principal, 'exercise.update', 'exercise', current.id));
  }

  private async reload(tx: EntityManager, clinicId: string, exerciseId: string): Promise<ExerciseView> {
    const row = await exercisesRepository.findById(tx, clinicId, exerciseId);
    if (!row) throw DomainException.notFound('Exercise');
    return toExerciseView(row);
  }

  /** See {@link ensureBuiltins}; for callers that hold a transaction (assignment creation). */
  ensureBuiltins(tx: EntityManager, clinicId: string): Promise<void> {
    return ensureBuiltins(tx, clinicId);
  }

  getVersion(
    tx: EntityManager,
    clinicId: string,
    exerciseId: string,
    version: number,
  ): Promise<ExerciseVersionView | null> {
    return getVersion(tx, clinicId, exerciseId, version);
  }
}

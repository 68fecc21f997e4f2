import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { DateTime } from 'luxon';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import { BUILTIN_EXERCISES } from '@mend/exercises';
import { CLOSE_AFTER_HOURS, OPEN_BEFORE_HOURS } from '@mend/homework';

/**
 * The benchmark dataset, loaded with COPY (never row by row):
 * - one large clinic of `couples` couples (25 per therapist), each partner on a daily trust pulse
 *   at 20:00 in their own zone; `longCouples` of them have two full years of history, the rest
 *   between 15 days and ~10 months; ~65% adherence; weekly sessions (mostly completed) and the
 *   next one scheduled; occurrences materialised 14 days ahead as the API would;
 * - `smallClinics` clinics of 8 couples each, up to four months of history.
 *
 * Every random choice comes from a PRNG seeded per couple, so the two phases (`recent`: the last
 * RECENT_CUTOFF_DAYS of everyone plus the long couples' whole history ≈ 100k check-ins; `history`:
 * everything older ≈ 1M in total) are cut from the same data, and the ids of occurrences written
 * in one COPY pass are the ids its check-ins point at in the next.
 */
export interface DatasetOptions {
  couples: number;
  longCouples: number;
  smallClinics: number;
  /** Days of history of the long couples (two years). */
  longDays: number;
  /** The other couples' history: uniform in [15, maxDays]. */
  maxDays: number;
  seed: number;
}

export const DEFAULT_DATASET: DatasetOptions = {
  couples: 5000,
  longCouples: 20,
  smallClinics: 100,
  longDays: 730,
  maxDays: 290,
  seed: 20251125,
};

/** Phase `recent` holds every due time after now minus this many days (covers the 14-day caseload window). */
export const RECENT_CUTOFF_DAYS = 15;
/** Occurrences due after now minus this are left unanswered: the check-in scenario answers them. */
const UNANSWERED_HOURS = CLOSE_AFTER_HOURS;
const HORIZON_DAYS = 14;
const ZONES = ['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London', 'Europe/Berlin'];
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export type Phase = 'recent' | 'history';

export interface Partner {
  id: string;
  zone: string;
}

export interface CoupleSpec {
  index: number;
  /** Unique across clinics: seeds the couple's PRNG. */
  serial: number;
  clinicId: string;
  id: string;
  therapistId: string;
  assignmentId: string;
  exerciseId: string;
  partners: Partner[];
  days: number;
  createdAt: Date;
  isLong: boolean;
}

export interface ClinicSpec {
  id: string;
  slug: string;
  adminId: string;
  therapistIds: string[];
  exerciseIds: Map<string, string>;
  couples: CoupleSpec[];
}

export interface Dataset {
  now: Date;
  options: DatasetOptions;
  large: ClinicSpec;
  small: ClinicSpec[];
}

export interface LoadCounts {
  occurrences: number;
  checkIns: number;
  sessions: number;
}

/** mulberry32: small, fast, good enough for synthetic data, and reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A UUIDv7 (time-ordered like the app's ids) whose random bits come from `rand`: reproducible. */
function uuid7(ms: number, rand: () => number): string {
  const b = new Array<number>(16);
  let t = Math.floor(ms);
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  for (let i = 6; i < 16; i++) b[i] = Math.floor(rand() * 256);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = b.map((x) => HEX[x]);
  return `${h[0]}${h[1]}${h[2]}${h[3]}-${h[4]}${h[5]}-${h[6]}${h[7]}-${h[8]}${h[9]}-${h.slice(10).join('')}`;
}

/** Builds clinics, staff, couples and their assignments in memory (ids included). */
export function planDataset(options: DatasetOptions, now: Date = new Date()): Dataset {
  const rand = prng(options.seed);
  let serial = 0;
  const id = (ms = now.getTime() - 800 * DAY_MS) => uuid7(ms, rand);
  const clinic = (
    slug: string,
    couples: number,
    therapists: number,
    longCouples: number,
    maxDays: number,
  ): ClinicSpec => {
    const spec: ClinicSpec = { id: id(), slug, adminId: id(), therapistIds: [], exerciseIds: new Map(), couples: [] };
    for (const b of BUILTIN_EXERCISES) spec.exerciseIds.set(b.key, id());
    for (let i = 0; i < therapists; i++) spec.therapistIds.push(id());
    for (let i = 0; i < couples; i++) {
      const isLong = i < longCouples;
      const days = isLong ? options.longDays : 15 + Math.floor(rand() * (maxDays - 15 + 1));
      const createdAt = new Date(now.getTime() - days * DAY_MS - 2 * HOUR_MS);
      const zone = ZONES[Math.floor(rand() * ZONES.length)];
      const otherZone = rand() < 0.1 ? ZONES[Math.floor(rand() * ZONES.length)] : zone;
      spec.couples.push({
        index: i,
        serial: serial++,
        clinicId: spec.id,
        id: id(createdAt.getTime()),
        therapistId: spec.therapistIds[i % therapists],
        assignmentId: id(createdAt.getTime()),
        exerciseId: spec.exerciseIds.get('trust_pulse')!,
        partners: [
          { id: id(createdAt.getTime()), zone },
          { id: id(createdAt.getTime()), zone: otherZone },
        ],
        days,
        createdAt,
        isLong,
      });
    }
    return spec;
  };
  const large = clinic(
    'bench-large',
    options.couples,
    Math.max(1, Math.round(options.couples / 25)),
    options.longCouples,
    options.maxDays,
  );
  const small: ClinicSpec[] = [];
  for (let i = 0; i < options.smallClinics; i++) small.push(clinic(`bench-small-${i}`, 8, 2, 0, 120));
  return { now, options, large, small };
}

// ---------------------------------------------------------------------------------------------
// COPY helpers

/** Text-format COPY field: NULL, or the value with the format's special characters escaped. */
function f(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  const s = String(value);
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;
}

function line(values: Array<string | number | boolean | null>): string {
  return `${values.map(f).join('\t')}\n`;
}

/** Streams the generator's lines into `COPY table (columns) FROM STDIN`, in ~256 KB chunks. */
async function copyRows(
  client: pg.Client | pg.PoolClient,
  table: string,
  columns: string[],
  rows: Iterable<string>,
): Promise<number> {
  let count = 0;
  function* chunks(): Generator<string> {
    let buffer = '';
    for (const row of rows) {
      buffer += row;
      count++;
      if (buffer.length > 256 * 1024) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunks()), stream);
  return count;
}

// ---------------------------------------------------------------------------------------------
// Rows

function* clinicRows(data: Dataset): Generator<string> {
  for (const c of [data.large, ...data.small]) {
    yield line([
      c.id,
      c.slug === 'bench-large' ? 'Bench Large Clinic' : `Bench Clinic ${c.slug}`,
      c.slug,
      'America/New_York',
      '{}',
      iso(new Date(data.now.getTime() - 800 * DAY_MS)),
    ]);
  }
}

function* userRows(data: Dataset): Generator<string> {
  for (const c of [data.large, ...data.small]) {
    const created = iso(new Date(data.now.getTime() - 800 * DAY_MS));
    yield line([c.id, c.adminId, `admin@${c.slug}.bench`, 'Avery Admin', 'admin', 'America/New_York', created]);
    for (const [i, t] of c.therapistIds.entries())
      yield line([
        c.id,
        t,
        `therapist${i}@${c.slug}.bench`,
        `Therapist ${i}`,
        'therapist',
        'America/New_York',
        created,
      ]);
    for (const couple of c.couples) {
      for (const [i, p] of couple.partners.entries()) {
        yield line([
          c.id,
          p.id,
          `p${i + 1}-${couple.index}@${c.slug}.bench`,
          `Partner ${i + 1} of couple ${couple.index}`,
          'client',
          p.zone,
          iso(couple.createdAt),
        ]);
      }
    }
  }
}

function* coupleRows(data: Dataset): Generator<string> {
  for (const c of [data.large, ...data.small]) {
    for (const couple of c.couples)
      yield line([c.id, couple.id, `Couple ${couple.index}`, couple.therapistId, 'active', iso(couple.createdAt)]);
  }
}

function* partnerRows(data: Dataset): Generator<string> {
  for (const c of [data.large, ...data.small]) {
    for (const couple of c.couples)
      for (const [i, p] of couple.partners.entries()) yield line([c.id, couple.id, p.id, i + 1]);
  }
}

function* exerciseRows(data: Dataset): Generator<string> {
  for (const c of [data.large, ...data.small]) {
    for (const b of BUILTIN_EXERCISES) yield line([c.id, c.exerciseIds.get(b.key)!, b.key, b.version]);
  }
}

function* exerciseVersionRows(data: Dataset): Generator<string> {
  for (const c of [data.large, ...data.small]) {
    for (const b of BUILTIN_EXERCISES) {
      yield line([
        c.id,
        c.exerciseIds.get(b.key)!,
        b.version,
        b.title,
        b.category,
        b.instructions,
        b.mode,
        JSON.stringify(b.defaultCadence),
        JSON.stringify(b.form),
        b.scoring === null ? null : JSON.stringify(b.scoring),
      ]);
    }
  }
}

function* assignmentRows(data: Dataset): Generator<string> {
  const until = iso(new Date(data.now.getTime() + HORIZON_DAYS * DAY_MS));
  for (const c of [data.large, ...data.small]) {
    for (const couple of c.couples) {
      const startsOn = DateTime.fromJSDate(couple.createdAt, { zone: couple.partners[0].zone }).toISODate();
      yield line([
        c.id,
        couple.assignmentId,
        couple.id,
        couple.exerciseId,
        1,
        'recurring',
        'FREQ=DAILY;BYHOUR=20;BYMINUTE=0',
        startsOn,
        'active',
        until,
        couple.therapistId,
        iso(couple.createdAt),
      ]);
    }
  }
}

function iso(d: Date): string {
  return d.toISOString();
}

/** 20:00 local in `zone` on each day from `from` to `to`, as epoch ms (memoised per zone and day). */
const dueCache = new Map<string, number>();
function dueAt(zone: string, dayStartMs: number): number {
  const key = `${zone}|${dayStartMs}`;
  let v = dueCache.get(key);
  if (v === undefined) {
    const local = DateTime.fromMillis(dayStartMs, { zone: 'UTC' });
    v = DateTime.fromObject(
      { year: local.year, month: local.month, day: local.day, hour: 20, minute: 0 },
      { zone },
    ).toMillis();
    dueCache.set(key, v);
  }
  return v;
}

interface OccurrenceEvent {
  couple: CoupleSpec;
  partner: Partner;
  id: string;
  due: number;
  checkIn: { id: string; submitted: number; trust: number; safety: number; isShared: boolean } | null;
}

/**
 * Every occurrence of a couple (with its check-in, if any), in a fixed order and from the
 * couple's own PRNG, so each pass sees the same ids and answers.
 */
function* coupleEvents(data: Dataset, couple: CoupleSpec): Generator<OccurrenceEvent> {
  const rand = prng(data.options.seed * 7919 + couple.serial * 104729);
  const now = data.now.getTime();
  const horizon = now + HORIZON_DAYS * DAY_MS;
  const adherence = couple.partners.map(() => 0.45 + rand() * 0.45);
  const start = [3 + rand() * 2, 3 + rand() * 2];
  const gain = [2 + rand() * 3, 2 + rand() * 3];
  const firstDay = Math.floor(couple.createdAt.getTime() / DAY_MS) * DAY_MS;
  for (let day = firstDay; day <= horizon; day += DAY_MS) {
    for (const [pi, partner] of couple.partners.entries()) {
      const due = dueAt(partner.zone, day);
      if (due <= couple.createdAt.getTime() || due > horizon) continue;
      const id = uuid7(due - 14 * DAY_MS, rand);
      const answered = rand() < adherence[pi];
      const progress = Math.min(1, (due - couple.createdAt.getTime()) / (180 * DAY_MS));
      const trust = Math.max(0, Math.min(10, Math.round(start[pi] + gain[pi] * progress + (rand() - 0.5) * 2.5)));
      const safety = Math.max(0, Math.min(10, Math.round(trust + (rand() - 0.5) * 2)));
      const offset = (rand() * 9 - 3) * HOUR_MS;
      const isShared = rand() < 0.3;
      const checkInId = uuid7(due + offset, rand);
      const isOpenNow = due > now - UNANSWERED_HOURS * HOUR_MS;
      yield {
        couple,
        partner,
        id,
        due,
        checkIn: answered && !isOpenNow ? { id: checkInId, submitted: due + offset, trust, safety, isShared } : null,
      };
    }
  }
}

function phaseOf(data: Dataset, couple: CoupleSpec, at: number): Phase {
  return couple.isLong || at >= data.now.getTime() - RECENT_CUTOFF_DAYS * DAY_MS ? 'recent' : 'history';
}

function* allCouples(data: Dataset): Generator<CoupleSpec> {
  for (const c of [data.large, ...data.small]) yield* c.couples;
}

function* occurrenceRows(data: Dataset, phase: Phase): Generator<string> {
  for (const couple of allCouples(data)) {
    for (const e of coupleEvents(data, couple)) {
      if (phaseOf(data, couple, e.due) !== phase) continue;
      yield line([
        couple.clinicId,
        e.id,
        couple.assignmentId,
        couple.id,
        e.partner.id,
        iso(new Date(e.due)),
        iso(new Date(e.due + CLOSE_AFTER_HOURS * HOUR_MS)),
        iso(new Date(Math.min(e.due - 14 * DAY_MS, data.now.getTime()))),
        e.checkIn !== null,
        // Triggers are off during COPY, so the opening and lateness defaults are written here:
        // open 24 h before the due time; late from the due time on (as the rows' is_late says).
        iso(new Date(e.due - 24 * HOUR_MS)),
        iso(new Date(e.due)),
      ]);
    }
  }
}

function* checkInRows(data: Dataset, phase: Phase): Generator<string> {
  for (const couple of allCouples(data)) {
    for (const e of coupleEvents(data, couple)) {
      if (!e.checkIn || phaseOf(data, couple, e.due) !== phase) continue;
      const c = e.checkIn;
      yield line([
        couple.clinicId,
        c.id,
        e.id,
        couple.assignmentId,
        couple.id,
        e.partner.id,
        `{"trust": ${c.trust}, "safety": ${c.safety}}`,
        `{"kind": "trust_pulse", "value": ${c.trust}}`,
        c.isShared ? 'shared' : 'private',
        c.submitted > e.due,
        iso(new Date(c.submitted)),
      ]);
    }
  }
}

/** Weekly sessions: completed (mostly), cancelled or no-show in the past; the next one scheduled. */
function* sessionRows(data: Dataset, phase: Phase): Generator<string> {
  const now = data.now.getTime();
  for (const couple of allCouples(data)) {
    const rand = prng(data.options.seed * 31 + couple.serial * 7919 + 17);
    for (let at = couple.createdAt.getTime() + 3 * DAY_MS; ; at += 7 * DAY_MS) {
      const isPast = at + HOUR_MS < now;
      const id = uuid7(at - 7 * DAY_MS, rand);
      const roll = rand();
      if (phaseOf(data, couple, at) === phase) {
        const status = !isPast ? 'scheduled' : roll < 0.9 ? 'completed' : roll < 0.95 ? 'cancelled' : 'no_show';
        yield line([
          couple.clinicId,
          id,
          couple.id,
          couple.therapistId,
          iso(new Date(at)),
          iso(new Date(at + HOUR_MS)),
          status,
          'manual',
          iso(new Date(Math.min(at - 7 * DAY_MS, now))),
        ]);
      }
      if (!isPast) break;
    }
  }
}

/**
 * Loads one phase. Runs as the superuser with `session_replication_role = replica` (foreign-key
 * and other triggers off: the generator's rows are consistent by construction, including each
 * occurrence's has_check_in mark) so occurrences and check-ins can stream in parallel; RLS does
 * not apply to a superuser.
 */
export async function loadPhase(
  adminDbUrl: string,
  data: Dataset,
  phase: Phase,
  log: (message: string) => void,
): Promise<LoadCounts> {
  const pool = new pg.Pool({ connectionString: adminDbUrl, max: 3 });
  pool.on('connect', (client) => void client.query(`SET session_replication_role = replica`));
  const copy = async (table: string, columns: string[], rows: Iterable<string>): Promise<number> => {
    const client = await pool.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      return await copyRows(client, table, columns, rows);
    } finally {
      client.release();
    }
  };
  try {
    if (phase === 'recent') {
      await copy('clinic', ['id', 'name', 'slug', 'timezone', 'settings', 'created_at'], clinicRows(data));
      await copy('"user"', ['clinic_id', 'id', 'email', 'name', 'role', 'timezone', 'created_at'], userRows(data));
      await copy('couple', ['clinic_id', 'id', 'label', 'therapist_id', 'status', 'created_at'], coupleRows(data));
      await copy('couple_partner', ['clinic_id', 'couple_id', 'user_id', 'position'], partnerRows(data));
      await copy('exercise', ['clinic_id', 'id', 'builtin_key', 'current_version'], exerciseRows(data));
      await copy(
        'exercise_version',
        [
          'clinic_id',
          'exercise_id',
          'version',
          'title',
          'category',
          'instructions',
          'mode',
          'default_cadence',
          'form',
          'scoring',
        ],
        exerciseVersionRows(data),
      );
      await copy(
        'assignment',
        [
          'clinic_id',
          'id',
          'couple_id',
          'exercise_id',
          'exercise_version',
          'schedule_type',
          'rrule',
          'starts_on',
          'status',
          'materialized_until',
          'created_by',
          'created_at',
        ],
        assignmentRows(data),
      );
    }
    const started = Date.now();
    const [occurrences, checkIns, sessions] = await Promise.all([
      // The check-in trigger is off here (replica role), so occurrences carry their own has_check_in mark.
      copy(
        'occurrence',
        [
          'clinic_id',
          'id',
          'assignment_id',
          'couple_id',
          'partner_id',
          'due_at',
          'closes_at',
          'created_at',
          'has_check_in',
          'opens_at',
          'late_after',
        ],
        occurrenceRows(data, phase),
      ),
      copy(
        'check_in',
        [
          'clinic_id',
          'id',
          'occurrence_id',
          'assignment_id',
          'couple_id',
          'author_id',
          'answers',
          'score',
          'visibility',
          'is_late',
          'submitted_at',
        ],
        checkInRows(data, phase),
      ),
      copy(
        'therapy_session',
        ['clinic_id', 'id', 'couple_id', 'therapist_id', 'starts_at', 'ends_at', 'status', 'source', 'created_at'],
        sessionRows(data, phase),
      ),
    ]);
    log(
      `COPY ${phase}: ${occurrences} occurrences, ${checkIns} check-ins, ${sessions} sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const analyzed = Date.now();
    const client = await pool.connect();
    try {
      // COPY ran with triggers off, so windows kept by reads of an earlier phase were not dropped
      // when this phase's older history arrived: drop them all (the next reads keep them again).
      await client.query('TRUNCATE progress_window, progress_generation');
      await client.query(
        'VACUUM (ANALYZE) occurrence, check_in, therapy_session, couple, couple_partner, "user", assignment',
      );
    } finally {
      client.release();
    }
    log(`VACUUM ANALYZE in ${((Date.now() - analyzed) / 1000).toFixed(1)} s`);
    return { occurrences, checkIns, sessions };
  } finally {
    await pool.end();
  }
}

/** The opening lead, re-exported for the scenarios that pick open occurrences. */
export const OPEN_BEFORE_MS = OPEN_BEFORE_HOURS * HOUR_MS;

/** Cal.com and Calendly webhooks shaped like the providers' real payloads, signed like them (shared by the inbound suites). */
import { createHmac, randomBytes } from 'node:crypto';

import { DateTime } from 'luxon';

import { TenantDatabase } from '@mend/database';
import type { ClinicContext } from '@mend/testing';

import type { TestApp } from './test-app.js';
import { eventually } from './webhook-receiver.js';

export const CALCOM_SECRET = 'calcom-signing-secret-0123456789';
export const CALENDLY_SECRET = 'calendly-signing-key-abcdefghij';

export interface SessionItem {
  id: string;
  startsAt: string;
  endsAt: string;
  status: string;
  source: string;
  externalId: string | null;
}

export function slot(daysAhead: number, hourUtc: number, minutes = 50): { start: string; end: string } {
  const start = DateTime.utc().plus({ days: daysAhead }).set({ hour: hourUtc, minute: 0, second: 0, millisecond: 0 });
  return { start: start.toISO()!, end: start.plus({ minutes }).toISO()! };
}

/** A Cal.com webhook as Cal.com sends it (default payload template). */
export function calcomEvent(
  triggerEvent: string,
  booking: { uid: string; start: string; end: string; attendees: string[]; rescheduleUid?: string; status?: string },
): Record<string, unknown> {
  return {
    triggerEvent,
    createdAt: new Date().toISOString(),
    payload: {
      type: 'couples-session',
      title: 'Couples session between Dr. Rivera and Alex Morgan',
      description: '',
      additionalNotes: 'We keep fighting about money and the hidden card',
      customInputs: {},
      startTime: booking.start,
      endTime: booking.end,
      organizer: {
        id: 5,
        name: 'Dr. Rivera',
        email: 'rivera@clinic.example',
        timeZone: 'America/New_York',
        language: { locale: 'en' },
      },
      responses: {
        name: { label: 'your_name', value: 'Alex Morgan' },
        email: { label: 'email_address', value: booking.attendees[0] },
        notes: { label: 'additional_notes', value: 'We keep fighting about money and the hidden card' },
      },
      userFieldsResponses: {},
      attendees: booking.attendees.map((email, i) => ({
        email,
        name: i === 0 ? 'Alex Morgan' : 'Blake Morgan',
        timeZone: 'America/New_York',
        language: { locale: 'en' },
      })),
      location: 'integrations:daily',
      destinationCalendar: null,
      hideCalendarNotes: false,
      requiresConfirmation: triggerEvent === 'BOOKING_REQUESTED',
      eventTypeId: 7,
      seatsShowAttendees: true,
      uid: booking.uid,
      bookingId: 9100 + Math.floor(Math.random() * 1000),
      ...(booking.rescheduleUid
        ? {
            rescheduleUid: booking.rescheduleUid,
            rescheduleId: 9001,
            rescheduleStartTime: booking.start,
            rescheduledBy: booking.attendees[0],
          }
        : {}),
      eventTitle: 'Couples session',
      eventDescription: null,
      price: 0,
      currency: 'usd',
      length: 50,
      status: booking.status ?? 'ACCEPTED',
      metadata: { videoCallUrl: 'https://app.cal.com/video/abc' },
    },
  };
}

/** A Calendly v2 webhook (invitee.created / invitee.canceled) as Calendly sends it. */
export function calendlyEvent(
  event: 'invitee.created' | 'invitee.canceled' | 'invitee_no_show.created' | 'invitee_no_show.deleted',
  invitee: {
    eventUuid: string;
    inviteeUuid: string;
    start: string;
    end: string;
    email: string;
    guests: string[];
    oldInvitee?: string;
    newInvitee?: string;
    rescheduled?: boolean;
    /** The scheduled event's own status (default: active for invitee.created, canceled for invitee.canceled). */
    eventStatus?: 'active' | 'canceled';
    /** invitees_counter.active (default 1 while the event is active). */
    activeInvitees?: number;
  },
): Record<string, unknown> {
  const isCancel = event === 'invitee.canceled';
  const eventStatus = invitee.eventStatus ?? (isCancel ? 'canceled' : 'active');
  const activeInvitees = invitee.activeInvitees ?? (eventStatus === 'active' ? 1 : 0);
  const eventUri = `https://api.calendly.com/scheduled_events/${invitee.eventUuid}`;
  return {
    created_at: new Date().toISOString(),
    created_by: 'https://api.calendly.com/users/AAAAAAAAAAAAAAAA',
    event,
    payload: {
      cancel_url: `https://calendly.com/cancellations/${invitee.inviteeUuid}`,
      created_at: new Date().toISOString(),
      email: invitee.email,
      event: eventUri,
      first_name: null,
      last_name: null,
      name: 'Alex Morgan',
      new_invitee: invitee.newInvitee
        ? `https://api.calendly.com/scheduled_events/X/invitees/${invitee.newInvitee}`
        : null,
      old_invitee: invitee.oldInvitee
        ? `https://api.calendly.com/scheduled_events/Y/invitees/${invitee.oldInvitee}`
        : null,
      questions_and_answers: [
        { answer: 'The hidden credit card', position: 0, question: 'What would you like to work on?' },
      ],
      reschedule_url: `https://calendly.com/reschedulings/${invitee.inviteeUuid}`,
      rescheduled: invitee.rescheduled ?? false,
      routing_form_submission: null,
      scheduled_event: {
        created_at: new Date().toISOString(),
        end_time: invitee.end,
        start_time: invitee.start,
        event_guests: invitee.guests.map((email) => ({
          created_at: new Date().toISOString(),
          email,
          updated_at: new Date().toISOString(),
        })),
        event_memberships: [
          {
            user: 'https://api.calendly.com/users/AAAAAAAAAAAAAAAA',
            user_email: 'rivera@clinic.example',
            user_name: 'Dr. Rivera',
          },
        ],
        event_type: 'https://api.calendly.com/event_types/ET1',
        invitees_counter: { active: activeInvitees, limit: 4, total: Math.max(activeInvitees, 1) },
        location: { join_url: 'https://zoom.example/j/1', status: 'pushed', type: 'zoom' },
        name: 'Couples session',
        status: eventStatus,
        updated_at: new Date().toISOString(),
        uri: eventUri,
      },
      status: isCancel ? 'canceled' : 'active',
      no_show:
        event === 'invitee_no_show.created'
          ? { uri: 'https://api.calendly.com/invitee_no_shows/NS1', created_at: new Date().toISOString() }
          : null,
      text_reminder_number: null,
      timezone: 'America/New_York',
      tracking: { utm_campaign: null, utm_source: null },
      updated_at: new Date().toISOString(),
      uri: `${eventUri}/invitees/${invitee.inviteeUuid}`,
      ...(isCancel
        ? {
            cancellation: {
              canceled_by: 'Alex Morgan',
              reason: 'conflict',
              canceler_type: 'invitee',
              created_at: new Date().toISOString(),
            },
          }
        : {}),
    },
  };
}

/** Pretty-printed on purpose: a server that re-serialises the parsed body before checking would fail. */
export const rawOf = (body: unknown) => JSON.stringify(body, null, 2);
export const calcomSignature = (raw: string, secret = CALCOM_SECRET) =>
  createHmac('sha256', secret).update(raw).digest('hex');
// Calendly's timestamp is checked against the receiver's wall clock (not the product's clock), and
// each bound is read afresh: on a loaded machine the requests before it can take seconds.
export const wallSeconds = () => Math.floor(Date.now() / 1000);
export const calendlySignature = (raw: string, t = wallSeconds(), secret = CALENDLY_SECRET) =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${raw}`).digest('hex')}`;
export const uid = () => randomBytes(11).toString('base64url');
export const calendlyUuid = () => randomBytes(8).toString('hex').toUpperCase();

/** One connected scheduling tool: its id and the path of its webhook URL. */
export interface ConnectedTool {
  id: string;
  path: string;
}

/**
 * The inbound set-up the inbound suites share: the clinic's admin connects Cal.com and Calendly
 * (with the signing secrets above), deliveries are posted as raw bodies and signed like the
 * providers sign them, and `settled` waits until the worker has applied every stored event.
 */
export interface SchedulingTools {
  calcom: ConnectedTool;
  calendly: ConnectedTool;
  /** A raw delivery to a webhook path with the given (signature) headers, for the refusal cases. */
  post(path: string, raw: string, headers: Record<string, string>): ReturnType<ReturnType<TestApp['http']>['post']>;
  /** The same to Cal.com's or Calendly's webhook path. */
  postCalcom(raw: string, headers: Record<string, string>): ReturnType<ReturnType<TestApp['http']>['post']>;
  postCalendly(raw: string, headers: Record<string, string>): ReturnType<ReturnType<TestApp['http']>['post']>;
  /** A Cal.com delivery signed with `secret` (default CALCOM_SECRET), expected to answer 200. */
  sendCalcom(body: unknown, secret?: string): Promise<{ body: { duplicate?: boolean } }>;
  /** A Calendly delivery signed now with CALENDLY_SECRET, expected to answer 200. */
  sendCalendly(body: unknown): Promise<{ body: { duplicate?: boolean } }>;
  settled(): Promise<unknown>;
}

export async function connectSchedulingTools(t: TestApp, clinic: ClinicContext): Promise<SchedulingTools> {
  const connect = async (provider: 'calcom' | 'calendly', signingSecret: string) => {
    const res = await t
      .http()
      .post('/v1/integrations')
      .auth(clinic.admin.accessToken, { type: 'bearer' })
      .send({ provider, signingSecret, name: `Front desk ${provider}` })
      .expect(201);
    return { id: res.body.id as string, path: new URL(res.body.webhookUrl).pathname };
  };
  const calcom = await connect('calcom', CALCOM_SECRET);
  const calendly = await connect('calendly', CALENDLY_SECRET);
  const post = (path: string, raw: string, headers: Record<string, string>) =>
    t.http().post(path).set('content-type', 'application/json').set(headers).send(raw);
  return {
    calcom,
    calendly,
    post,
    postCalcom: (raw, headers) => post(calcom.path, raw, headers),
    postCalendly: (raw, headers) => post(calendly.path, raw, headers),
    async sendCalcom(body, secret = CALCOM_SECRET) {
      const raw = rawOf(body);
      return post(calcom.path, raw, { 'x-cal-signature-256': calcomSignature(raw, secret) }).expect(200);
    },
    async sendCalendly(body) {
      const raw = rawOf(body);
      return post(calendly.path, raw, { 'calendly-webhook-signature': calendlySignature(raw) }).expect(200);
    },
    settled: () =>
      eventually(
        (): Promise<Array<{ n: number }>> =>
          t.app
            .get(TenantDatabase)
            .withClinic(clinic.clinicId, (tx) =>
              tx.query(`SELECT count(*)::int AS n FROM integration_event WHERE state = 'received'`),
            ),
        (rows) => rows[0].n === 0,
      ),
  };
}

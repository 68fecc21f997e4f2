import { emailBodies, isDiscreetFor, notificationText } from './notification-text.js';
import {
  DEFAULT_NOTIFICATION_PREFERENCES,
  notificationDedupeKey,
  toNotificationPreferences,
} from './notification.types.js';
import { clinicReminderSettings, DEFAULT_CLINIC_REMINDER_SETTINGS, effectiveQuietHours } from './reminder-settings.js';

describe('notification text', () => {
  it('names the exercise in the body only (the title is the email subject), and nothing else clinical', () => {
    expect(notificationText({ kind: 'homework_due', isDiscreet: false, exerciseTitle: 'Daily appreciation' })).toEqual({
      title: 'A check-in is ready for you',
      body: 'Your check-in for "Daily appreciation" is due. Open Mend to complete it.',
    });
    expect(notificationText({ kind: 'overdue_nudge', isDiscreet: false, exerciseTitle: 'Trust pulse' }).title).toBe(
      'A check-in is still open',
    );
    for (const kind of ['homework_due', 'overdue_nudge'] as const) {
      for (const isDiscreet of [false, true])
        expect(notificationText({ kind, isDiscreet, exerciseTitle: 'Trust pulse' }).title).not.toMatch(/trust|pulse/i);
    }
    expect(notificationText({ kind: 'alert_notice' })).toEqual({
      title: 'New alert on your caseload',
      body: expect.not.stringMatching(/trust|drop|divergin|cut-?off/i),
    });
  });

  it('hides even the exercise title in a discreet clinic', () => {
    for (const kind of ['homework_due', 'overdue_nudge'] as const) {
      const text = notificationText({ kind, isDiscreet: true, exerciseTitle: 'Repair plan' });
      expect(JSON.stringify(text)).not.toContain('Repair plan');
    }
    const digest = notificationText({
      kind: 'digest',
      isDiscreet: true,
      exerciseTitles: ['Repair plan', 'Trust pulse'],
    });
    expect(digest).toEqual({ title: '2 check-ins due', body: 'Use the link to see what is due.' });
  });

  it('keeps discreet text neutral: no exercise, no product name', () => {
    const texts = [
      ...(['homework_due', 'overdue_nudge'] as const).map((kind) =>
        notificationText({ kind, isDiscreet: true, exerciseTitle: 'Repair plan' }),
      ),
      notificationText({ kind: 'digest', isDiscreet: true, exerciseTitles: ['Repair plan'] }),
      notificationText({ kind: 'digest', isDiscreet: true, exerciseTitles: [] }),
      notificationText({ kind: 'plan_rating_due', isDiscreet: true }),
    ];
    for (const text of texts) expect(JSON.stringify(text)).not.toMatch(/mend|repair/i);
    const bodies = emailBodies('You have a check-in due.', 'https://care.example/c/abc', true);
    expect(JSON.stringify(bodies)).not.toMatch(/mend/i);
    expect(bodies.text).toBe('You have a check-in due.\n\nhttps://care.example/c/abc');
    expect(bodies.html).toContain('<a href="https://care.example/c/abc">');
    const signed = emailBodies('Due <now> & "soon"', 'https://care.example/c/abc');
    expect(signed.text).toMatch(/— Mend$/);
    expect(signed.html).toContain('Due &lt;now&gt; &amp; &quot;soon&quot;');
  });

  it('makes a recipient discreet when the clinic is (whatever they chose), else by their own choice for emails', () => {
    const cases: Array<[boolean, boolean | null, 'email' | 'in_app', boolean]> = [
      [true, false, 'email', true],
      [true, null, 'in_app', true],
      [false, null, 'email', false],
      [false, false, 'email', false],
      [false, true, 'email', true],
      // Their choice is about a shared inbox: the copy inside Mend keeps its words.
      [false, true, 'in_app', false],
    ];
    for (const [clinic, own, channel, expected] of cases)
      expect({ clinic, own, channel, is: isDiscreetFor({ isDiscreet: clinic }, { discreet: own }, channel) }).toEqual({
        clinic,
        own,
        channel,
        is: expected,
      });
  });

  it('keeps an exercise title to one bounded line', () => {
    const text = notificationText({
      kind: 'homework_due',
      isDiscreet: false,
      exerciseTitle: `Evil\r\nBcc: x@y.example\u0007${'x'.repeat(300)}`,
    });
    expect(text.title).not.toMatch(/[\r\n\u0007]/);
    expect(text.body).not.toMatch(/[\r\n\u0007]/);
    expect(text.body.length).toBeLessThanOrEqual(1000);
    expect(notificationText({ kind: 'homework_due', isDiscreet: false, exerciseTitle: ' \n ' }).body).toBe(
      'Your check-in for "your exercise" is due. Open Mend to complete it.',
    );
  });

  it("states a session's time in the recipient's zone", () => {
    expect(
      notificationText({
        kind: 'session_reminder',
        startsAt: new Date('2025-03-10T13:00:00Z'),
        zone: 'America/New_York',
      }).body,
    ).toBe('You have an appointment on Monday 10 March at 09:00 (America/New_York).');
  });

  it('lists a digest', () => {
    expect(notificationText({ kind: 'digest', isDiscreet: false, exerciseTitles: ['A', 'B', 'A', 'C'] })).toEqual({
      title: '4 check-ins due',
      body: 'Due: A, B and C. Open Mend to complete them.',
    });
    expect(notificationText({ kind: 'digest', isDiscreet: false, exerciseTitles: ['A'] }).title).toBe('1 check-in due');
  });
});

describe('dedupe keys', () => {
  const user = '0190f7a1-0000-7000-8000-000000000001';
  const id = '0190f7a1-0000-7000-8000-000000000002';

  it('are one per recipient, kind, subject and channel, and carry ids only', () => {
    const keys = [
      notificationDedupeKey(user, 'email', { kind: 'homework_due', occurrenceId: id }),
      notificationDedupeKey(user, 'in_app', { kind: 'homework_due', occurrenceId: id }),
      notificationDedupeKey(user, 'email', { kind: 'overdue_nudge', occurrenceId: id }),
      notificationDedupeKey(user, 'email', { kind: 'session_reminder', sessionId: id }),
      notificationDedupeKey(user, 'email', { kind: 'alert_notice', alertId: id }),
      notificationDedupeKey(user, 'email', { kind: 'digest', localDate: '2025-03-09' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toBe(`homework_due.email.${user}.occurrence.${id}`);
    for (const key of keys) expect(key).toMatch(/^[a-z_]+\.[a-z_]+\.[0-9a-f-]{36}\.[a-z]+\.[0-9a-f-]+$/);
  });
});

describe('preferences and settings', () => {
  it('read stored preferences leniently (a missing channel is on)', () => {
    expect(toNotificationPreferences({})).toEqual(DEFAULT_NOTIFICATION_PREFERENCES);
    expect(toNotificationPreferences({ email: false, inApp: 'no' })).toEqual({
      email: false,
      inApp: true,
      discreet: null,
    });
    expect(toNotificationPreferences(null)).toEqual({ email: true, inApp: true, discreet: null });
    expect(toNotificationPreferences({ discreet: true }).discreet).toBe(true);
    expect(toNotificationPreferences({ discreet: 'yes' }).discreet).toBeNull();
  });

  it('read the clinic reminder settings with defaults for missing or invalid values', () => {
    expect(clinicReminderSettings({})).toEqual(DEFAULT_CLINIC_REMINDER_SETTINGS);
    expect(clinicReminderSettings(null)).toEqual(DEFAULT_CLINIC_REMINDER_SETTINGS);
    expect(
      clinicReminderSettings({
        reminders: {
          quietHours: { start: '22:30', end: '07:00' },
          dailyCap: 3,
          isDiscreet: true,
          overdueAfterMinutes: 90,
          sessionReminderHours: 2,
          homeworkLeadMinutes: 30,
          urgentAlertsBreakQuietHours: false,
          planRatingWeekday: 5,
          planRatingTime: '19:30',
        },
      }),
    ).toEqual({
      quietHours: { start: '22:30', end: '07:00' },
      dailyCap: 3,
      isDiscreet: true,
      overdueAfterMinutes: 90,
      sessionReminderHours: 2,
      homeworkLeadMinutes: 30,
      urgentAlertsBreakQuietHours: false,
      planRatingWeekday: 5,
      planRatingTime: '19:30',
    });
    expect(
      clinicReminderSettings({
        reminders: {
          quietHours: { start: '25:00', end: '07:00' },
          dailyCap: 0,
          isDiscreet: 'yes',
          overdueAfterMinutes: 1.5,
          sessionReminderHours: 1000,
          homeworkLeadMinutes: 1441,
          urgentAlertsBreakQuietHours: 'no',
          planRatingWeekday: 8,
          planRatingTime: '7pm',
        },
      }),
    ).toEqual(DEFAULT_CLINIC_REMINDER_SETTINGS);
    expect(DEFAULT_CLINIC_REMINDER_SETTINGS).toMatchObject({
      quietHours: { start: '21:00', end: '08:00' },
      sessionReminderHours: 24,
      // Reminded people are not late: homework reminders go 2 h before the due time.
      homeworkLeadMinutes: 120,
      urgentAlertsBreakQuietHours: true,
    });
  });

  it("use a user's own quiet hours, else the clinic's", () => {
    const clinic = clinicReminderSettings({ reminders: { quietHours: { start: '22:00', end: '07:30' } } });
    expect(effectiveQuietHours({ quietHoursStart: '23:00:00', quietHoursEnd: '06:00:00' }, clinic)).toEqual({
      start: '23:00',
      end: '06:00',
    });
    expect(effectiveQuietHours({ quietHoursStart: null, quietHoursEnd: null }, clinic)).toEqual({
      start: '22:00',
      end: '07:30',
    });
  });
});

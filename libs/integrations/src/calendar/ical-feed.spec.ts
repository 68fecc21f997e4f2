import { renderFeed } from './ical-feed.js';

describe('renderFeed', () => {
  const event = {
    uid: 'session-1@mend',
    startsAt: new Date('2026-03-29T18:00:00Z'),
    endsAt: new Date('2026-03-29T18:50:00Z'),
    summary: 'Couples session; with, commas',
    changedAt: new Date('2026-03-01T10:00:00Z'),
    sequence: 3,
  };

  it("writes local times under the owner's zone with its VTIMEZONE (here on the day Europe switches to summer time)", () => {
    const text = renderFeed({ name: 'Mend', zone: 'Europe/Berlin', events: [event] });
    expect(text).toContain('BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin');
    expect(text).toContain('DTSTART;TZID=Europe/Berlin:20260329T200000');
    expect(text).toContain('DTEND;TZID=Europe/Berlin:20260329T205000');
    expect(text).toContain('DTSTAMP:20260301T100000Z');
    expect(text).toContain('SUMMARY:Couples session\\; with\\, commas');
  });

  it('writes UTC times for a UTC owner, without a VTIMEZONE', () => {
    const text = renderFeed({ name: 'Mend', zone: 'UTC', events: [event] });
    expect(text).not.toContain('VTIMEZONE');
    expect(text).toContain('DTSTART:20260329T180000Z');
  });

  it('writes the calendar properties before any component (RFC 5545), and the SEQUENCE it is given', () => {
    const lines = renderFeed({ name: 'Mend', zone: 'Europe/Berlin', events: [event] }).split('\r\n');
    const firstComponent = lines.findIndex((line, i) => i > 0 && line.startsWith('BEGIN:'));
    for (const property of ['REFRESH-INTERVAL', 'X-PUBLISHED-TTL', 'X-WR-CALNAME'])
      expect({ property, isBeforeComponents: lines.findIndex((l) => l.startsWith(property)) < firstComponent }).toEqual(
        {
          property,
          isBeforeComponents: true,
        },
      );
    expect(lines).toContain('SEQUENCE:3');
    expect(lines[lines.length - 1] === '' ? lines[lines.length - 2] : lines[lines.length - 1]).toBe('END:VCALENDAR');
  });
});

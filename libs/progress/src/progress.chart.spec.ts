import { chartNames, escapeXml, renderProgressChart } from './progress.chart.js';
import type { OccurrenceFact, ProgressInput } from './progress.compute.js';
import { dailySeries, segments, tickDays } from './progress.series.js';

const HOUR = 3_600_000;
/** 20:00 in New York on 2026-12-<d> (EST, UTC−5): 01:00 UTC the next day. */
const nyEvening = (d: number) => new Date(Date.UTC(2026, 11, d + 1, 1));
const A = 'a0000000-0000-7000-8000-000000000001';
const B = 'b0000000-0000-7000-8000-000000000002';

let seq = 0;
function reading(
  author: string,
  at: Date,
  score: { kind: 'trust_pulse' | 'csi4'; value: number } | null,
): OccurrenceFact {
  seq += 1;
  return {
    id: `o${seq}`,
    partnerId: author,
    dueAt: at,
    closesAt: new Date(at.getTime() + 24 * HOUR),
    checkIn: score ? { authorId: author, submittedAt: new Date(at.getTime() + 60_000), score } : null,
  };
}
const pulse = (author: string, d: number, value: number | null) =>
  reading(author, nyEvening(d), value === null ? null : { kind: 'trust_pulse', value });

function input(occurrences: OccurrenceFact[], now: Date): ProgressInput {
  return { now, coupleCreatedAt: nyEvening(1), partnerIds: [A, B], sessions: [], occurrences };
}

const dayLabels = (svg: string) => [...svg.matchAll(/<text class="day-label"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);

describe('daily series in the reader zone', () => {
  it("draws a New York evening reading on that evening's date, not the next UTC day", () => {
    const now = new Date(nyEvening(5).getTime() + HOUR);
    const series = dailySeries(input([pulse(A, 5, 7)], now), 'America/New_York', nyEvening(1), now);
    expect(series.days).toEqual(['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05']);
    expect(series.trust[0].values).toEqual([null, null, null, null, 7]);
    // The same instant in UTC is the 6th: the zone decides the day.
    expect(dailySeries(input([pulse(A, 5, 7)], now), 'UTC', nyEvening(5), now).days).toEqual(['2026-12-06']);
  });

  it("places readings on their local day across New York's spring change (a 23-hour day)", () => {
    const at = (iso: string) => new Date(iso);
    const occurrences = [
      reading(A, at('2027-03-14T04:30:00Z'), { kind: 'trust_pulse', value: 3 }), // Mar 13, 23:30 EST
      reading(A, at('2027-03-14T05:30:00Z'), { kind: 'trust_pulse', value: 5 }), // Mar 14, 00:30 EST
      reading(A, at('2027-03-15T03:30:00Z'), { kind: 'trust_pulse', value: 7 }), // Mar 14, 23:30 EDT
      reading(A, at('2027-03-15T04:30:00Z'), { kind: 'trust_pulse', value: 9 }), // Mar 15, 00:30 EDT
    ];
    const now = at('2027-03-15T12:00:00Z');
    const series = dailySeries(input(occurrences, now), 'America/New_York', at('2027-03-13T12:00:00Z'), now);
    expect(series.days).toEqual(['2027-03-13', '2027-03-14', '2027-03-15']);
    expect(series.trust[0].values).toEqual([3, 6, 9]);
  });

  it('leaves a missed day empty so no line bridges it', () => {
    const now = nyEvening(6);
    const series = dailySeries(
      input([pulse(A, 1, 6), pulse(A, 2, 7), pulse(A, 3, null), pulse(A, 4, 5), pulse(A, 5, 6)], now),
      'America/New_York',
      nyEvening(1),
      now,
    );
    expect(series.trust[0].values).toEqual([6, 7, null, 5, 6, null]);
    expect(segments(series.trust[0].values).map((s) => s.map((p) => p.value))).toEqual([
      [6, 7],
      [5, 6],
    ]);
  });

  it('labels at most seven whole days, each once', () => {
    expect(tickDays(1)).toEqual([0]);
    expect(tickDays(5)).toEqual([0, 1, 2, 3, 4]);
    expect(tickDays(30)).toEqual([0, 5, 10, 15, 20, 25]);
  });
});

describe('progress chart (SVG)', () => {
  const now = new Date(nyEvening(12).getTime() + HOUR);
  const occurrences = [
    ...[6, 7, null, 5, 6, 7, 7, 8, 8, 7, 7, 8].map((v, i) => pulse(A, i + 1, v)),
    ...[4, 5, 5, 6, 6, 6, 5, 5, 6, 6, 7, 7].map((v, i) => pulse(B, i + 1, v)),
    reading(A, nyEvening(2), { kind: 'csi4', value: 11 }),
    reading(A, nyEvening(9), { kind: 'csi4', value: 16 }),
    reading(B, nyEvening(9), { kind: 'csi4', value: 12 }),
  ];
  const svg = renderProgressChart({
    title: 'Progress — Sam & <Alex>',
    partners: [
      { id: A, firstName: 'Sam' },
      { id: B, firstName: 'Alex' },
    ],
    series: dailySeries(input(occurrences, now), 'America/New_York', nyEvening(1), now),
    sessions: [{ at: nyEvening(7), label: 'Session Dec 7, 2026 (completed)' }],
    alerts: [{ at: nyEvening(9), label: 'Measure below its cut-off (open)', severity: 'normal' }],
  });

  it('is a self-contained SVG with a title and a description that says what the picture shows', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title id="chart-title">Progress — Sam &amp; &lt;Alex&gt;</title>');
    expect(svg).toMatch(
      /<desc id="chart-desc">Trust pulse \(0 to 10\) per day and CSI-4 \(0 to 21, cut-off 13.5 shaded\) for each partner from Dec 1 to Dec 12 \(America\/New_York\); days without a reading are gaps; 1 completed session is marked as vertical lines and 1 alert is marked as triangles\. Sam: 11 days with a trust reading, latest 8 on Dec 12; latest CSI-4 16 on Dec 9 \(at or above the 13\.5 cut-off\)\. Alex: 12 days with a trust reading, latest 7 on Dec 12; latest CSI-4 12 on Dec 9 \(below the 13\.5 cut-off\)\.<\/desc>/,
    );
    expect(svg).not.toMatch(/href|<script|@import|url\(/);
  });

  it('labels days in the zone, never the same day twice', () => {
    const labels = dayLabels(svg);
    expect(labels).toEqual(['Dec 1', 'Dec 3', 'Dec 5', 'Dec 7', 'Dec 9', 'Dec 11']);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it("breaks a partner's line at a missed day instead of bridging it", () => {
    const sam = svg.match(/<g class="partner" data-partner-id="a0[^"]*">[\s\S]*?<\/g>/)![0];
    expect(sam.match(/<polyline /g)).toHaveLength(2);
    const alex = svg.match(/<g class="partner" data-partner-id="b0[^"]*">[\s\S]*?<\/g>/)![0];
    expect(alex.match(/<polyline /g)).toHaveLength(1);
  });

  it('draws a CSI-4 panel with the cut-off band, and marks sessions and alerts', () => {
    expect(svg).toContain('<g class="csi4-cutoff-band">');
    expect(svg).toContain('cut-off 13.5');
    expect(svg.match(/<g class="partner-csi4"/g)).toHaveLength(2);
    expect(svg.match(/class="session-marker"/g)).toHaveLength(1);
    expect(svg).toMatch(/class="alert-marker"[^>]*><title>Measure below its cut-off \(open\)<\/title>/);
  });

  it("labels each line with the partner's first name, nudging labels apart when the ends meet", () => {
    const labels = [...svg.matchAll(/<text class="partner-label" x="[\d.]+" y="([\d.]+)"[^>]*>([^<]+)<\/text>/g)];
    expect(labels.map((m) => m[2])).toEqual(['Sam', 'Alex', 'Sam', 'Alex']);
    expect(Math.abs(Number(labels[0][1]) - Number(labels[1][1]))).toBeGreaterThanOrEqual(16);
  });

  it("gives a new couple's single day one label, and says so when there are no readings yet", () => {
    const start = nyEvening(6);
    const empty = renderProgressChart({
      title: 't',
      partners: [{ id: A, firstName: 'Sam' }],
      series: dailySeries(input([], start), 'America/New_York', start, new Date(start.getTime() + HOUR)),
      sessions: [],
      alerts: [],
    });
    expect(dayLabels(empty)).toEqual(['Dec 6']);
    expect(empty).toContain('No trust pulse check-ins yet');
    expect(empty).toContain('No CSI-4 scores yet');
  });

  it('escapes XML in names', () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });

  it('uses first names, or full names when the partners share one', () => {
    expect(chartNames([{ name: 'Sam Rivera' }, { name: 'Alex Kim' }])).toEqual(['Sam', 'Alex']);
    expect(chartNames([{ name: 'Sam Rivera' }, { name: 'Sam Kim' }])).toEqual(['Sam Rivera', 'Sam Kim']);
  });
});

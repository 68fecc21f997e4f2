import { chartNames, escapeXml, renderTrustChart } from './progress.chart.js';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n, 20));

describe('trust chart', () => {
  const svg = renderTrustChart({
    title: 'Trust pulse — Sam & <Alex>',
    from: day(0),
    to: day(28),
    partners: [
      {
        id: 'p1',
        firstName: 'Sam',
        points: [
          { at: day(1), value: 6 },
          { at: day(8), value: 7 },
        ],
      },
      {
        id: 'p2',
        firstName: 'Alex',
        points: [
          { at: day(2), value: 4 },
          { at: day(9), value: 7 },
        ],
      },
    ],
    sessions: [
      { at: day(7), label: 'Session 2026-01-08' },
      { at: day(14), label: 'Session 2026-01-15' },
    ],
  });

  it('is a self-contained SVG with a title and a description', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('<title id="chart-title">Trust pulse — Sam &amp; &lt;Alex&gt;</title>');
    expect(svg).toMatch(/<desc id="chart-desc">Trust pulse readings on a 0 to 10 scale[^<]*Sam: 2 readings, latest 7/);
    expect(svg).not.toMatch(/href|<script|@import|url\(/);
  });

  it("labels each line with the partner's first name, nudging labels apart when the ends meet", () => {
    const labels = [...svg.matchAll(/<text class="partner-label" x="[\d.]+" y="([\d.]+)"[^>]*>([^<]+)<\/text>/g)];
    expect(labels.map((m) => m[2])).toEqual(['Sam', 'Alex']);
    expect(Math.abs(Number(labels[0][1]) - Number(labels[1][1]))).toBeGreaterThanOrEqual(16);
  });

  it('marks sessions as vertical lines and draws the 0–10 axis with gridlines', () => {
    expect(svg.match(/class="session-marker"/g)).toHaveLength(2);
    expect(svg.match(/<g class="grid"[\s\S]*?<\/g>/)![0].match(/<line /g)).toHaveLength(6);
    for (const v of [0, 2, 4, 6, 8, 10]) expect(svg).toContain(`>${v}</text>`);
  });

  it('says so when there are no readings yet', () => {
    const empty = renderTrustChart({
      title: 't',
      from: day(0),
      to: day(0),
      partners: [{ id: 'p1', firstName: 'Sam', points: [] }],
      sessions: [],
    });
    expect(empty).toContain('No trust pulse check-ins yet');
  });

  it('escapes XML in names', () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });

  it('uses first names, or full names when the partners share one', () => {
    expect(chartNames([{ name: 'Sam Rivera' }, { name: 'Alex Kim' }])).toEqual(['Sam', 'Alex']);
    expect(chartNames([{ name: 'Sam Rivera' }, { name: 'Sam Kim' }])).toEqual(['Sam Rivera', 'Sam Kim']);
  });
});

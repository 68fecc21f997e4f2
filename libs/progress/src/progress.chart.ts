import { CSI4_CUTOFF } from './progress.compute.js';
import { dayLabel, localDay, segments, tickDays, type DailySeries } from './progress.series.js';

export interface ChartPartner {
  id: string;
  /** Shown at the end of the partner's line, so no legend lookup is needed. */
  firstName: string;
}

export interface ChartSession {
  at: Date;
  label: string;
}

export interface ChartAlert {
  at: Date;
  /** Read by screen readers and shown on hover, e.g. "Trust drop (open)". */
  label: string;
  severity: 'normal' | 'high';
}

export interface ProgressChartInput {
  title: string;
  partners: ChartPartner[];
  /** Days in the reader's zone (see dailySeries): the axis, the gaps and the labels. */
  series: DailySeries;
  sessions: ChartSession[];
  alerts: ChartAlert[];
}

const WIDTH = 760;
const HEIGHT = 560;
const MARGIN = { top: 56, right: 120, bottom: 48, left: 48 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
/** Trust panel on top, the CSI-4 panel under it, sharing the day axis. */
const TRUST = { top: MARGIN.top, height: 240 };
const CSI = { top: MARGIN.top + 240 + 56, height: 150 };
const CSI_MAX = 21;
/** Colour-blind-safe pair (Okabe–Ito), plus distinct dashes and markers for greyscale prints. */
const STYLES = [
  { color: '#0072B2', dash: '', marker: 'circle' },
  { color: '#D55E00', dash: '6 3', marker: 'square' },
] as const;

/** First names for line labels; partners who share one are told apart by their full names. */
export function chartNames(partners: Array<{ name: string }>): string[] {
  const first = partners.map((p) => p.name.trim().split(/\s+/)[0] || p.name);
  return first.map((name, i) => (first.indexOf(name) !== first.lastIndexOf(name) ? partners[i].name : name));
}

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

function n(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/**
 * Each partner's trust pulse (0–10) per day and CSI-4 (0–21) as a self-contained SVG, days in
 * the reader's zone: one axis label per labelled day (never the same date twice), gaps where a
 * day has no reading, the CSI-4 cut-off as a shaded band, completed sessions as vertical lines
 * and alerts as triangles on the day they opened. No scripts, fonts or other external resources;
 * <title> and <desc> describe it for screen readers and say the same as the picture.
 */
export function renderProgressChart(input: ProgressChartInput): string {
  const { days } = input.series;
  const count = Math.max(1, days.length);
  const zone = input.series.timezone;
  const slot = PLOT_W / count;
  const x = (index: number) => MARGIN.left + (index + 0.5) * slot;
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const xOf = (at: Date) => {
    const i = dayIndex.get(localDay(at, zone));
    return i === undefined ? null : x(i);
  };
  const yTrust = (v: number) => TRUST.top + TRUST.height - (Math.min(10, Math.max(0, v)) / 10) * TRUST.height;
  const yCsi = (v: number) => CSI.top + CSI.height - (Math.min(CSI_MAX, Math.max(0, v)) / CSI_MAX) * CSI.height;
  const right = MARGIN.left + PLOT_W;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title id="chart-title">${escapeXml(input.title)}</title>`,
    `<desc id="chart-desc">${escapeXml(describe(input))}</desc>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="600" fill="#1a1a1a">${escapeXml(input.title)}</text>`,
    `<text x="${MARGIN.left}" y="40" font-size="11" fill="#555555">Days in ${escapeXml(zone)}; a gap is a day without a reading</text>`,
  );

  // Trust panel: axis 0–10 with gridlines.
  parts.push('<g class="grid" stroke="#e3e3e3" stroke-width="1">');
  for (let v = 0; v <= 10; v += 2)
    parts.push(`<line x1="${MARGIN.left}" x2="${right}" y1="${n(yTrust(v))}" y2="${n(yTrust(v))}"/>`);
  parts.push('</g>', '<g class="y-axis" fill="#555555" text-anchor="end">');
  for (let v = 0; v <= 10; v += 2) parts.push(`<text x="${MARGIN.left - 8}" y="${n(yTrust(v) + 4)}">${v}</text>`);
  const trustMid = TRUST.top + TRUST.height / 2;
  parts.push(
    '</g>',
    `<text x="14" y="${n(trustMid)}" fill="#555555" text-anchor="middle" transform="rotate(-90 14 ${n(trustMid)})">Trust (0–10)</text>`,
    `<line x1="${MARGIN.left}" x2="${right}" y1="${n(yTrust(0))}" y2="${n(yTrust(0))}" stroke="#888888"/>`,
  );

  // CSI-4 panel: the distress range under the cut-off shaded, the cut-off as a dashed line.
  const csiMid = CSI.top + CSI.height / 2;
  parts.push(
    `<g class="csi4-cutoff-band"><rect x="${MARGIN.left}" y="${n(yCsi(CSI4_CUTOFF))}" width="${PLOT_W}" height="${n(yCsi(0) - yCsi(CSI4_CUTOFF))}" fill="#fbe3d6"><title>Below ${CSI4_CUTOFF}: relationship distress (CSI-4 cut-off, Funk &amp; Rogge 2007)</title></rect>`,
    `<line x1="${MARGIN.left}" x2="${right}" y1="${n(yCsi(CSI4_CUTOFF))}" y2="${n(yCsi(CSI4_CUTOFF))}" stroke="#b34700" stroke-dasharray="4 3"/>`,
    `<text x="${right + 6}" y="${n(yCsi(CSI4_CUTOFF) + 4)}" fill="#b34700" font-size="10">cut-off ${CSI4_CUTOFF}</text></g>`,
    '<g class="y-axis" fill="#555555" text-anchor="end">',
  );
  for (const v of [0, 7, 14, 21]) parts.push(`<text x="${MARGIN.left - 8}" y="${n(yCsi(v) + 4)}">${v}</text>`);
  parts.push(
    '</g>',
    `<text x="14" y="${n(csiMid)}" fill="#555555" text-anchor="middle" transform="rotate(-90 14 ${n(csiMid)})">CSI-4 (0–21)</text>`,
    `<line x1="${MARGIN.left}" x2="${right}" y1="${n(yCsi(0))}" y2="${n(yCsi(0))}" stroke="#888888"/>`,
  );

  // Day labels along the bottom: whole days, each at most once.
  parts.push('<g class="x-axis" fill="#555555" text-anchor="middle">');
  for (const i of tickDays(days.length))
    parts.push(
      `<text class="day-label" x="${n(x(i))}" y="${n(CSI.top + CSI.height + 20)}">${escapeXml(dayLabel(days[i], days))}</text>`,
    );
  parts.push('</g>');

  // Session markers through both panels, labelled when there is room.
  parts.push('<g class="sessions">');
  let lastLabelX = -Infinity;
  for (const session of input.sessions) {
    const sx = xOf(session.at);
    if (sx === null) continue;
    parts.push(
      `<line class="session-marker" x1="${n(sx)}" x2="${n(sx)}" y1="${TRUST.top}" y2="${CSI.top + CSI.height}" stroke="#6b6b6b" stroke-width="1.5" stroke-dasharray="2 3"><title>${escapeXml(session.label)}</title></line>`,
    );
    if (sx - lastLabelX >= 56) {
      parts.push(
        `<text x="${n(sx)}" y="${TRUST.top - 6}" fill="#6b6b6b" font-size="10" text-anchor="middle">Session</text>`,
      );
      lastLabelX = sx;
    }
  }
  parts.push('</g>');

  // Alerts: a triangle on the day each opened, above the trust panel's top line.
  parts.push('<g class="alerts">');
  for (const alert of input.alerts) {
    const ax = xOf(alert.at);
    if (ax === null) continue;
    const top = TRUST.top + 2;
    parts.push(
      `<path class="alert-marker" d="M${n(ax)} ${n(top + 10)} L${n(ax - 6)} ${n(top)} L${n(ax + 6)} ${n(top)} Z" fill="${alert.severity === 'high' ? '#b00020' : '#e69f00'}"><title>${escapeXml(alert.label)}</title></path>`,
    );
  }
  parts.push('</g>');

  const drawPanel = (series: DailySeries['trust'], y: (v: number) => number, cls: string) => {
    const ends: Array<{ index: number; x: number; y: number }> = [];
    series.forEach((line, index) => {
      const style = STYLES[index % STYLES.length];
      const pieces = segments(line.values);
      if (pieces.length === 0) return;
      parts.push(`<g class="${cls}" data-partner-id="${escapeXml(line.partnerId)}">`);
      for (const piece of pieces) {
        if (piece.length > 1)
          parts.push(
            `<polyline fill="none" stroke="${style.color}" stroke-width="2.5" stroke-linejoin="round"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''} points="${piece.map((p) => `${n(x(p.index))},${n(y(p.value))}`).join(' ')}"/>`,
          );
        for (const p of piece) {
          const [px, py] = [x(p.index), y(p.value)];
          parts.push(
            style.marker === 'circle'
              ? `<circle cx="${n(px)}" cy="${n(py)}" r="3.5" fill="${style.color}"/>`
              : `<rect x="${n(px - 3.5)}" y="${n(py - 3.5)}" width="7" height="7" fill="${style.color}"/>`,
          );
        }
      }
      parts.push('</g>');
      const last = pieces[pieces.length - 1];
      const end = last[last.length - 1];
      ends.push({ index, x: x(end.index), y: y(end.value) });
    });
    if (ends.length === 2 && Math.abs(ends[0].y - ends[1].y) < 16) {
      const [upper, lower] = ends[0].y <= ends[1].y ? [ends[0], ends[1]] : [ends[1], ends[0]];
      const middle = (upper.y + lower.y) / 2;
      upper.y = middle - 8;
      lower.y = middle + 8;
    }
    for (const end of ends) {
      const style = STYLES[end.index % STYLES.length];
      parts.push(
        `<text class="partner-label" x="${n(end.x + 8)}" y="${n(end.y + 4)}" fill="${style.color}" font-size="13" font-weight="600">${escapeXml(input.partners[end.index]?.firstName ?? '')}</text>`,
      );
    }
    return ends.length;
  };

  if (drawPanel(input.series.trust, yTrust, 'partner') === 0)
    parts.push(
      `<text x="${n(MARGIN.left + PLOT_W / 2)}" y="${n(trustMid)}" fill="#555555" text-anchor="middle">No trust pulse check-ins yet</text>`,
    );
  if (drawPanel(input.series.csi4, yCsi, 'partner-csi4') === 0)
    parts.push(
      `<text x="${n(MARGIN.left + PLOT_W / 2)}" y="${n(csiMid - 10)}" fill="#555555" text-anchor="middle">No CSI-4 scores yet</text>`,
    );
  parts.push('</svg>');
  return parts.join('\n');
}

function latestOf(values: Array<number | null>, days: string[]): { value: number; day: string } | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return { value: values[i]!, day: days[i] };
  return null;
}

function describe(input: ProgressChartInput): string {
  const { days, timezone } = input.series;
  const label = (day: string) => dayLabel(day, days);
  const range = days.length === 0 ? 'no days' : `${label(days[0])} to ${label(days[days.length - 1])} (${timezone})`;
  const lines = input.partners.map((p, i) => {
    const trust = input.series.trust[i]?.values ?? [];
    const csi = input.series.csi4[i]?.values ?? [];
    const readings = trust.filter((v) => v !== null).length;
    const latest = latestOf(trust, days);
    const latestCsi = latestOf(csi, days);
    const trustText =
      latest === null
        ? `${p.firstName}: no trust readings`
        : `${p.firstName}: ${readings} days with a trust reading, latest ${n(latest.value)} on ${label(latest.day)}`;
    const csiText =
      latestCsi === null
        ? 'no CSI-4 score'
        : `latest CSI-4 ${n(latestCsi.value)} on ${label(latestCsi.day)} (${latestCsi.value < CSI4_CUTOFF ? 'below' : 'at or above'} the ${CSI4_CUTOFF} cut-off)`;
    return `${trustText}; ${csiText}.`;
  });
  const sessions =
    input.sessions.length === 1 ? '1 completed session is' : `${input.sessions.length} completed sessions are`;
  const alerts = input.alerts.length === 1 ? '1 alert is' : `${input.alerts.length} alerts are`;
  return `Trust pulse (0 to 10) per day and CSI-4 (0 to 21, cut-off ${CSI4_CUTOFF} shaded) for each partner from ${range}; days without a reading are gaps; ${sessions} marked as vertical lines and ${alerts} marked as triangles. ${lines.join(' ')}`;
}

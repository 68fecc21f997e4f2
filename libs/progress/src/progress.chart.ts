import type { TrustPoint } from './progress.compute.js';

export interface ChartPartner {
  id: string;
  /** Shown at the end of the partner's line, so no legend lookup is needed. */
  firstName: string;
  points: TrustPoint[];
}

export interface ChartSession {
  at: Date;
  label: string;
}

export interface TrustChartInput {
  title: string;
  from: Date;
  to: Date;
  partners: ChartPartner[];
  sessions: ChartSession[];
}

const WIDTH = 760;
const HEIGHT = 380;
const MARGIN = { top: 48, right: 120, bottom: 48, left: 48 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Colour-blind-safe pair (Okabe–Ito), plus distinct dashes and markers for greyscale prints. */
const STYLES = [
  { color: '#0072B2', dash: '', marker: 'circle' },
  { color: '#D55E00', dash: '6 3', marker: 'square' },
] as const;
const DAY = 86_400_000;

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

function formatDay(date: Date): string {
  return date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function n(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/**
 * Each partner's trust pulse (0–10) over time as a self-contained SVG: gridlines every 2 points,
 * completed sessions as labelled vertical lines, each line named at its end. No scripts, fonts
 * or other external resources; <title> and <desc> describe it for screen readers.
 */
export function renderTrustChart(input: TrustChartInput): string {
  const from = input.from.getTime();
  const lastPoint = input.partners.reduce(
    (max, p) => p.points.reduce((m, pt) => Math.max(m, pt.at.getTime()), max),
    from,
  );
  const to = Math.max(input.to.getTime(), lastPoint, from + DAY);
  const x = (t: number) => MARGIN.left + ((t - from) / (to - from)) * PLOT_W;
  const y = (v: number) => MARGIN.top + PLOT_H - (Math.min(10, Math.max(0, v)) / 10) * PLOT_H;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title id="chart-title">${escapeXml(input.title)}</title>`,
    `<desc id="chart-desc">${escapeXml(describe(input))}</desc>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="600" fill="#1a1a1a">${escapeXml(input.title)}</text>`,
  );

  // Axis 0–10 with gridlines.
  parts.push('<g class="grid" stroke="#e3e3e3" stroke-width="1">');
  for (let v = 0; v <= 10; v += 2)
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${n(y(v))}" y2="${n(y(v))}"/>`);
  parts.push('</g>', '<g class="y-axis" fill="#555555" text-anchor="end">');
  for (let v = 0; v <= 10; v += 2) parts.push(`<text x="${MARGIN.left - 8}" y="${n(y(v) + 4)}">${v}</text>`);
  parts.push(
    '</g>',
    `<text x="14" y="${n(MARGIN.top + PLOT_H / 2)}" fill="#555555" text-anchor="middle" transform="rotate(-90 14 ${n(MARGIN.top + PLOT_H / 2)})">Trust (0–10)</text>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${n(y(0))}" y2="${n(y(0))}" stroke="#888888"/>`,
  );

  // Date ticks along the bottom.
  parts.push('<g class="x-axis" fill="#555555" text-anchor="middle">');
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const t = from + ((to - from) * i) / ticks;
    parts.push(`<text x="${n(x(t))}" y="${n(MARGIN.top + PLOT_H + 20)}">${escapeXml(formatDay(new Date(t)))}</text>`);
  }
  parts.push('</g>');

  // Session markers: vertical lines, labelled when there is room.
  parts.push('<g class="sessions">');
  let lastLabelX = -Infinity;
  for (const session of input.sessions) {
    const t = session.at.getTime();
    if (t < from || t > to) continue;
    const sx = x(t);
    parts.push(
      `<line class="session-marker" x1="${n(sx)}" x2="${n(sx)}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="#6b6b6b" stroke-width="1.5" stroke-dasharray="2 3"><title>${escapeXml(session.label)}</title></line>`,
    );
    if (sx - lastLabelX >= 56) {
      parts.push(
        `<text x="${n(sx)}" y="${MARGIN.top - 6}" fill="#6b6b6b" font-size="10" text-anchor="middle">${escapeXml(`Session ${formatDay(session.at)}`)}</text>`,
      );
      lastLabelX = sx;
    }
  }
  parts.push('</g>');

  // One line per partner, its first name at its end (nudged apart when the ends are close).
  const ends: Array<{ index: number; x: number; y: number }> = [];
  input.partners.forEach((partner, index) => {
    const style = STYLES[index % STYLES.length];
    if (partner.points.length === 0) return;
    const coords = partner.points.map((p) => [x(p.at.getTime()), y(p.value)] as const);
    parts.push(`<g class="partner" data-partner-id="${escapeXml(partner.id)}">`);
    parts.push(
      `<polyline fill="none" stroke="${style.color}" stroke-width="2.5" stroke-linejoin="round"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''} points="${coords.map(([px, py]) => `${n(px)},${n(py)}`).join(' ')}"/>`,
    );
    for (const [px, py] of coords) {
      parts.push(
        style.marker === 'circle'
          ? `<circle cx="${n(px)}" cy="${n(py)}" r="3.5" fill="${style.color}"/>`
          : `<rect x="${n(px - 3.5)}" y="${n(py - 3.5)}" width="7" height="7" fill="${style.color}"/>`,
      );
    }
    parts.push('</g>');
    const [lx, ly] = coords[coords.length - 1];
    ends.push({ index, x: lx, y: ly });
  });
  if (ends.length === 2 && Math.abs(ends[0].y - ends[1].y) < 16) {
    const [upper, lower] = ends[0].y <= ends[1].y ? [ends[0], ends[1]] : [ends[1], ends[0]];
    const middle = (upper.y + lower.y) / 2;
    upper.y = middle - 8;
    lower.y = middle + 8;
  }
  for (const end of ends) {
    const partner = input.partners[end.index];
    const style = STYLES[end.index % STYLES.length];
    parts.push(
      `<text class="partner-label" x="${n(end.x + 8)}" y="${n(end.y + 4)}" fill="${style.color}" font-size="13" font-weight="600">${escapeXml(partner.firstName)}</text>`,
    );
  }

  if (ends.length === 0) {
    parts.push(
      `<text x="${n(MARGIN.left + PLOT_W / 2)}" y="${n(MARGIN.top + PLOT_H / 2)}" fill="#555555" text-anchor="middle">No trust pulse check-ins yet</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function describe(input: TrustChartInput): string {
  const range = `${formatDay(input.from)} to ${formatDay(input.to)}`;
  const lines = input.partners.map((p) => {
    if (p.points.length === 0) return `${p.firstName}: no readings.`;
    const last = p.points[p.points.length - 1];
    return `${p.firstName}: ${p.points.length} readings, latest ${n(last.value)} on ${formatDay(last.at)}.`;
  });
  const sessions =
    input.sessions.length === 1 ? '1 completed session is' : `${input.sessions.length} completed sessions are`;
  return `Trust pulse readings on a 0 to 10 scale for each partner from ${range}; ${sessions} marked as vertical lines. ${lines.join(' ')}`;
}

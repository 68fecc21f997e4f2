import '@mantine/charts/styles.css';

import { LineChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import { ReferenceArea } from 'recharts';

/** One local day: its label (unique: one row per day) and each partner's value, null for a gap. */
export interface ChartDay {
  label: string;
  [partner: string]: string | number | null;
}

export const CSI4_CUTOFF = 13.5;

/**
 * The trust pulse and the CSI-4 per day, in the reader's zone (recharts through @mantine/charts,
 * loaded only on the couple page). A day without a reading is a gap (connectNulls off): no line
 * bridges a missed day. Sessions and alerts are vertical lines on their day; the CSI-4 panel
 * shades the distress range under its 13.5 cut-off. The same rows are in the table beside it,
 * for screen readers and exact values; the chart itself is hidden from assistive technology.
 */
export default function ProgressChart({
  trust,
  csi4,
  series,
  sessionLabels,
  alertLabels,
}: {
  trust: ChartDay[];
  csi4: ChartDay[];
  series: { name: string; color: string }[];
  sessionLabels: string[];
  alertLabels: string[];
}) {
  const markers = [
    ...sessionLabels.map((label) => ({ x: label, label: 'Session', color: 'gray.6' })),
    ...alertLabels.map((label) => ({ x: label, label: 'Alert', color: 'red.7' })),
  ];
  const hasCsi4 = csi4.some((day) => series.some((s) => typeof day[s.name] === 'number'));
  return (
    // overflow: hidden keeps recharts' hidden tooltip, placed beside the chart, from widening a phone's page.
    <div aria-hidden="true" style={{ overflow: 'hidden' }} data-testid="progress-chart">
      <Text size="sm" fw={600}>
        Trust pulse (0–10)
      </Text>
      <LineChart
        h={240}
        data={trust}
        dataKey="label"
        series={series}
        curveType="linear"
        connectNulls={false}
        withLegend
        yAxisProps={{ domain: [0, 10] }}
        referenceLines={markers}
        tooltipAnimationDuration={0}
        // The table beside the chart is the accessible version; the chart takes no keyboard focus.
        lineChartProps={{ accessibilityLayer: false }}
      />
      <Text size="sm" fw={600} mt="sm">
        CSI-4 (0–21), shaded below the {CSI4_CUTOFF} cut-off{hasCsi4 ? '' : ': no scores yet'}
      </Text>
      <LineChart
        h={160}
        data={csi4}
        dataKey="label"
        series={series}
        curveType="linear"
        connectNulls={false}
        yAxisProps={{ domain: [0, 21], ticks: [0, 7, 14, 21] }}
        referenceLines={[{ y: CSI4_CUTOFF, label: `Cut-off ${CSI4_CUTOFF}`, color: 'orange.8' }, ...markers]}
        tooltipAnimationDuration={0}
        lineChartProps={{ accessibilityLayer: false }}
      >
        <ReferenceArea
          y1={0}
          y2={CSI4_CUTOFF}
          fill="var(--mantine-color-orange-1)"
          fillOpacity={0.6}
          ifOverflow="hidden"
        />
      </LineChart>
    </div>
  );
}

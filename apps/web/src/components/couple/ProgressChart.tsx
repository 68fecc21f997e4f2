import '@mantine/charts/styles.css';

import { LineChart } from '@mantine/charts';

export interface ChartPoint {
  label: string;
  [partner: string]: string | number | null;
}

/**
 * The trust pulse per window and partner (recharts through @mantine/charts, loaded only on the
 * couple page). The same numbers are in the table beside it, for screen readers and for reading
 * exact values; the chart itself is hidden from assistive technology.
 */
export default function ProgressChart({
  data,
  series,
  sessionLabels,
}: {
  data: ChartPoint[];
  series: { name: string; color: string }[];
  sessionLabels: string[];
}) {
  return (
    // overflow: hidden keeps recharts' hidden tooltip, placed beside the chart, from widening a phone's page.
    <div aria-hidden="true" style={{ overflow: 'hidden' }}>
      <LineChart
        h={260}
        data={data}
        dataKey="label"
        series={series}
        curveType="monotone"
        connectNulls
        withLegend
        yAxisProps={{ domain: [0, 10] }}
        referenceLines={sessionLabels.map((label) => ({ x: label, label: 'Session', color: 'gray.6' }))}
        tooltipAnimationDuration={0}
        // The table beside the chart is the accessible version; the chart takes no keyboard focus.
        lineChartProps={{ accessibilityLayer: false }}
      />
    </div>
  );
}

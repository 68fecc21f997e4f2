import '@mantine/charts/styles.css';

import { Sparkline } from '@mantine/charts';

/**
 * One partner's ratings of one agreement (0–10, oldest first) as a small line: recharts through
 * @mantine/charts, loaded only when the repair plan is shown. It shows the shape only (its scale
 * follows the values): the exact ratings are written beside it, so the chart is hidden from
 * assistive technology.
 */
export default function RatingTrendChart({ values, color }: { values: number[]; color: string }) {
  return (
    // inert: recharts makes its surface focusable, and a hidden chart must not take focus.
    <div aria-hidden="true" inert style={{ width: 120 }}>
      <Sparkline h={32} w={120} data={values} color={color} curveType="linear" fillOpacity={0.15} strokeWidth={2} />
    </div>
  );
}

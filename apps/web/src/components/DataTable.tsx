import { Table, Text } from '@mantine/core';
import type { CSSProperties, ReactNode } from 'react';

/**
 * Props for a table's Table.ScrollContainer that lay each row out as a card on a phone (app.css
 * `.stack-on-phone`): one cell under another, each after its column's name, instead of a table
 * wider than the screen that scrolls sideways. The names travel as CSS strings in custom
 * properties (`--c1`, `--c2`, …), which the stylesheet puts before the cells of that column.
 */
export function stackOnPhone(columns: string[]): { className: string; style: CSSProperties } {
  return {
    className: 'stack-on-phone',
    style: Object.fromEntries(columns.map((column, i) => [`--c${i + 1}`, JSON.stringify(column)])) as CSSProperties,
  };
}

/**
 * A list as a table the way every console list shows one: striped rows under column headers, in
 * a labelled region, as one card per row on a phone (stackOnPhone), and a sentence instead
 * when there are no rows. `children` renders one row's cells (the first usually a row header).
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  minWidth,
  empty,
  children,
}: {
  /** Names the scrolling region for screen readers. */
  label: string;
  columns: string[];
  rows: T[];
  rowKey: (row: T) => string;
  /** Below this width (and above a phone's) the table scrolls inside its region instead of squeezing its columns. */
  minWidth: number;
  /** What to say when there are no rows. */
  empty: ReactNode;
  children: (row: T) => ReactNode;
}) {
  if (rows.length === 0) return typeof empty === 'string' ? <Text>{empty}</Text> : <>{empty}</>;
  return (
    <Table.ScrollContainer
      type="native"
      minWidth={minWidth}
      role="region"
      tabIndex={0}
      aria-label={label}
      {...stackOnPhone(columns)}
    >
      <Table striped verticalSpacing="sm">
        <Table.Thead>
          <Table.Tr>
            {columns.map((column) => (
              <Table.Th scope="col" key={column}>
                {column}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr key={rowKey(row)}>{children(row)}</Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

import { Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A list as a table the way every console list shows one: striped rows under column headers, in
 * a labelled region that scrolls sideways by keyboard on a narrow screen, and a sentence instead
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
  /** Below this width the table scrolls inside its region instead of squeezing its columns. */
  minWidth: number;
  /** What to say when there are no rows. */
  empty: ReactNode;
  children: (row: T) => ReactNode;
}) {
  if (rows.length === 0) return typeof empty === 'string' ? <Text>{empty}</Text> : <>{empty}</>;
  return (
    <Table.ScrollContainer type="native" minWidth={minWidth} role="region" tabIndex={0} aria-label={label}>
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

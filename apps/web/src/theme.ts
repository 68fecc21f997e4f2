import { createTheme, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';

/** A calm deep teal; shades 6–9 keep white text at WCAG AA contrast or better. */
const mend: MantineColorsTuple = [
  '#e8f6f7',
  '#d2ebed',
  '#a6d6db',
  '#76c0c7',
  '#4fadb6',
  '#2f8f99',
  '#1f7a84',
  '#1b6a73',
  '#155a62',
  '#0f4a51',
];

export const theme = createTheme({
  primaryColor: 'mend',
  primaryShade: 7,
  colors: { mend },
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif' },
  defaultRadius: 'md',
  cursorType: 'pointer',
});

/** Dimmed text and light variants darker than Mantine's defaults, for 4.5:1 contrast on white. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': '#495057',
    '--mantine-color-error': '#c92a2a',
    '--mantine-color-placeholder': '#6c757d',
    '--mantine-color-mend-light-color': '#155a62',
    '--mantine-color-red-light-color': '#b02a2a',
    '--mantine-color-orange-light-color': '#9a4a00',
    '--mantine-color-yellow-light-color': '#7a5a00',
    '--mantine-color-green-light-color': '#1e6b2e',
    '--mantine-color-gray-light-color': '#343a40',
    '--mantine-color-blue-light-color': '#1c5fa8',
    '--mantine-color-anchor': '#155a62',
  },
  dark: {},
});

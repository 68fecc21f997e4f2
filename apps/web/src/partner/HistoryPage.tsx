import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function HistoryPage() {
  useDocumentTitle('History');
  return (
    <Stack>
      <Title order={1}>History</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function CouplesPage() {
  useDocumentTitle('Couples');
  return (
    <Stack>
      <Title order={1}>Couples</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

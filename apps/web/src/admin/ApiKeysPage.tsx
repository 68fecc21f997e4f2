import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function ApiKeysPage() {
  useDocumentTitle('ApiKeys');
  return (
    <Stack>
      <Title order={1}>ApiKeys</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

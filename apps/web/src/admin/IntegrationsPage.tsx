import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function IntegrationsPage() {
  useDocumentTitle('Integrations');
  return (
    <Stack>
      <Title order={1}>Integrations</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

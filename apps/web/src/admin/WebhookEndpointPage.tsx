import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function WebhookEndpointPage() {
  useDocumentTitle('WebhookEndpoint');
  return (
    <Stack>
      <Title order={1}>WebhookEndpoint</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

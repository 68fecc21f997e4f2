import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function WebhooksPage() {
  useDocumentTitle('Webhooks');
  return (
    <Stack>
      <Title order={1}>Webhooks</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

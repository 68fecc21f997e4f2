import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function AuditPage() {
  useDocumentTitle('Audit');
  return (
    <Stack>
      <Title order={1}>Audit</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function ClinicSettingsPage() {
  useDocumentTitle('ClinicSettings');
  return (
    <Stack>
      <Title order={1}>ClinicSettings</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

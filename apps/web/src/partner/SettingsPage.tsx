import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function SettingsPage() {
  useDocumentTitle('Settings');
  return (
    <Stack>
      <Title order={1}>Settings</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

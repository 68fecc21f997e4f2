import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function NotificationsPage() {
  useDocumentTitle('Notifications');
  return (
    <Stack>
      <Title order={1}>Notifications</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

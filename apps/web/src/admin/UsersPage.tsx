import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function UsersPage() {
  useDocumentTitle('Users');
  return (
    <Stack>
      <Title order={1}>Users</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

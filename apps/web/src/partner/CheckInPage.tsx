import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function CheckInPage() {
  useDocumentTitle('CheckIn');
  return (
    <Stack>
      <Title order={1}>CheckIn</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

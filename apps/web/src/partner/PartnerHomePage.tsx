import { Stack, Text, Title } from '@mantine/core';

import { useDocumentTitle } from '../components/useDocumentTitle';

export default function PartnerHomePage() {
  useDocumentTitle('PartnerHome');
  return (
    <Stack>
      <Title order={1}>PartnerHome</Title>
      <Text>This page is being built.</Text>
    </Stack>
  );
}

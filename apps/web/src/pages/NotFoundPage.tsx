import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

import { useDocumentTitle } from '../components/useDocumentTitle';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <Stack>
      <Title order={1}>Page not found</Title>
      <Text>This address does not lead to a page in Mend.</Text>
      <Anchor component={Link} to="/">
        Back to your home
      </Anchor>
    </Stack>
  );
}

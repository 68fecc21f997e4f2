import { Anchor, Box, Center, Container, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

import { useDocumentTitle } from './useDocumentTitle';

/** The frame of the signed-out pages: one calm card in the middle. */
export function PublicLayout({ title, children }: { title: string; children: ReactNode }) {
  useDocumentTitle(title);
  return (
    <Box mih="100vh" py={{ base: 'md', sm: 48 }}>
      <Container size={460} px="md">
        <Stack gap="lg">
          <Center>
            <Anchor component={Link} to="/" underline="never" aria-label="Mend home">
              <Group gap="xs">
                <img src="/favicon.svg" alt="" width={32} height={32} />
                <Text fw={700} fz="xl" c="mend.8">
                  Mend
                </Text>
              </Group>
            </Anchor>
          </Center>
          <Paper component="main" withBorder shadow="xs" p={{ base: 'md', sm: 'xl' }} radius="lg">
            <Stack gap="md">
              <Title order={1} fz="h2">
                {title}
              </Title>
              {children}
            </Stack>
          </Paper>
        </Stack>
      </Container>
    </Box>
  );
}

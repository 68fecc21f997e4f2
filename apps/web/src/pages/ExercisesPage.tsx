import { Badge, Button, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { api, unwrap } from '../api/client';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';

export default function ExercisesPage() {
  useDocumentTitle('Exercise library');
  const exercises = useQuery({
    queryKey: ['exercises'],
    queryFn: () => unwrap(api.GET('/v1/exercises', { params: { query: { limit: 200 } } })),
  });
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1}>Exercise library</Title>
          <Text c="dimmed">Mend’s built-in exercises and your clinic’s own. Assign them from a couple’s page.</Text>
        </div>
        <Button component={Link} to="/exercises/new">
          New exercise
        </Button>
      </Group>
      <QueryState query={exercises} label="the exercise library" lines={5}>
        {(page) => (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm">
            {page.data.map((e) => (
              <Card key={e.id} withBorder padding="md" component="article" aria-label={e.title}>
                <Stack gap={6}>
                  <Group justify="space-between" wrap="nowrap" align="flex-start">
                    <Text fw={600}>{e.title}</Text>
                    <Badge variant="light" color={e.isBuiltin ? 'gray' : 'mend'}>
                      {e.isBuiltin ? 'Built-in' : `Clinic · v${e.version}`}
                    </Badge>
                  </Group>
                  <Text size="sm" lineClamp={3}>
                    {e.instructions}
                  </Text>
                  <Text size="sm" c="dimmed">
                    {e.form.fields.length} {e.form.fields.length === 1 ? 'question' : 'questions'} ·{' '}
                    {e.mode === 'joint' ? 'one check-in for both' : 'each partner checks in'}
                  </Text>
                  {!e.isBuiltin && (
                    <Button component={Link} to={`/exercises/${e.id}/edit`} variant="default" size="sm" w="fit-content">
                      Edit {e.title}
                    </Button>
                  )}
                </Stack>
              </Card>
            ))}
          </SimpleGrid>
        )}
      </QueryState>
    </Stack>
  );
}

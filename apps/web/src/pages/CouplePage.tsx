import { Anchor, Badge, Breadcrumbs, Button, Card, Group, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';

import { api, unwrap } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { AlertsSection } from '../components/couple/AlertsSection';
import { AssignmentsSection } from '../components/couple/AssignmentsSection';
import { CheckInsSection } from '../components/couple/CheckInsSection';
import { ProgressSection } from '../components/couple/ProgressSection';
import { RemindersSection } from '../components/couple/RemindersSection';
import { RepairPlanSection } from '../components/couple/RepairPlanSection';
import { SessionsSection } from '../components/couple/SessionsSection';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { coupleName } from '../format';

const TABS = ['overview', 'plan', 'check-ins', 'sessions', 'assignments', 'reminders'] as const;
type Tab = (typeof TABS)[number];

export default function CouplePage() {
  const { user } = useSession();
  const { coupleId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.includes(params.get('tab') as Tab) ? (params.get('tab') as Tab) : 'overview';
  const couple = useQuery({
    queryKey: ['couple', coupleId],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}', { params: { path: { id: coupleId } } })),
    // Partners accept their invitations elsewhere: opening the couple always asks again, so an
    // "Invited" mark never outlives the acceptance in a cached copy.
    refetchOnMount: 'always',
  });
  useDocumentTitle(couple.data ? coupleName(couple.data.partners, couple.data.label) : 'Couple');

  return (
    <Stack gap="md">
      <Breadcrumbs aria-label="Breadcrumb">
        <Anchor component={Link} to="/">
          Caseload
        </Anchor>
        <Text span aria-current="page">
          {couple.data ? coupleName(couple.data.partners, couple.data.label) : 'Couple'}
        </Text>
      </Breadcrumbs>
      <QueryState query={couple} label="the couple">
        {(data) => (
          <Stack gap="md">
            <Group justify="space-between" align="flex-end">
              <Group gap="sm" align="center">
                <Title order={1}>{coupleName(data.partners, data.label)}</Title>
                <Badge variant="light" color={data.status === 'active' ? 'green' : 'gray'}>
                  {data.status}
                </Badge>
              </Group>
              <Button component={Link} to={`/couples/${coupleId}/assign`}>
                Assign homework
              </Button>
            </Group>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              {data.partners.map((partner) => (
                <Card key={partner.id} withBorder padding="sm">
                  <Text fw={600}>{partner.name}</Text>
                  <Text size="sm">Time zone: {partner.timezone.replace(/_/g, ' ')}</Text>
                  <Text size="sm" c="dimmed">
                    {partner.status === 'invited' ? 'Invited, has not set a password yet' : partner.email}
                  </Text>
                </Card>
              ))}
            </SimpleGrid>
            <Tabs
              value={tab}
              onChange={(value) => setParams(value === 'overview' ? {} : { tab: value ?? '' })}
              keepMounted={false}
            >
              <Tabs.List style={{ flexWrap: 'wrap' }}>
                <Tabs.Tab value="overview">Progress</Tabs.Tab>
                <Tabs.Tab value="plan">Repair plan</Tabs.Tab>
                <Tabs.Tab value="check-ins">Check-ins</Tabs.Tab>
                <Tabs.Tab value="sessions">Sessions</Tabs.Tab>
                <Tabs.Tab value="assignments">Assignments</Tabs.Tab>
                <Tabs.Tab value="reminders">Reminders</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="overview" pt="md">
                <Stack gap="lg">
                  <AlertsSection coupleId={coupleId} partners={data.partners} />
                  <ProgressSection coupleId={coupleId} />
                </Stack>
              </Tabs.Panel>
              <Tabs.Panel value="plan" pt="md">
                <RepairPlanSection coupleId={coupleId} partners={data.partners} />
              </Tabs.Panel>
              <Tabs.Panel value="check-ins" pt="md">
                <CheckInsSection coupleId={coupleId} partners={data.partners} />
              </Tabs.Panel>
              <Tabs.Panel value="sessions" pt="md">
                <SessionsSection coupleId={coupleId} />
              </Tabs.Panel>
              <Tabs.Panel value="assignments" pt="md">
                <AssignmentsSection coupleId={coupleId} partners={data.partners} />
              </Tabs.Panel>
              <Tabs.Panel value="reminders" pt="md">
                <RemindersSection coupleId={coupleId} partners={data.partners} therapistZone={user.timezone} />
              </Tabs.Panel>
            </Tabs>
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}

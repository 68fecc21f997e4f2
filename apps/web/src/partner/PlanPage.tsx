import { Alert, Anchor, Button, Card, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

import { useSession } from '../auth/AuthProvider';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate } from '../format';
import { FREQUENCY_LABEL, longDay, type Agreement, type Frequency } from '../repairPlan';
import { useZone } from './data';
import { thisWeek, useCoupleId, useMyPlanRatings, useRepairPlan } from './plan';

/** Who keeps an agreement, as the partner reads it. */
export function keeperFor(agreement: Agreement, userId: string): string {
  if (!agreement.partnerId) return 'Both of you keep it';
  return agreement.partnerId === userId ? 'You keep it' : 'Your partner keeps it';
}

/**
 * "Our plan": the whole repair plan the couple made with their therapist (both partners read
 * all of it, whoever keeps each agreement), and this week's review — open until Sunday in the
 * partner's zone, or done, with when the next one opens.
 */
export default function PlanPage() {
  useDocumentTitle('Our plan');
  const coupleId = useCoupleId();
  const plan = useRepairPlan(coupleId);
  const zone = useZone();

  return (
    <Stack gap="lg" maw={720}>
      <Anchor component={Link} to="/">
        ← Home
      </Anchor>
      <Title order={1}>Our plan</Title>
      {coupleId === null ? (
        <Text>You are not part of a couple in Mend, so there is no plan to show.</Text>
      ) : (
        <QueryState query={plan} label="your plan">
          {(current) =>
            current.agreements.length === 0 ? (
              <Text>Your therapist has not written down a plan with you yet. It will appear here.</Text>
            ) : (
              <Stack gap="lg">
                <Text c="dimmed">
                  What the two of you agreed with your therapist. You both see the whole plan
                  {current.changedAt ? `; last changed ${formatDate(current.changedAt, zone)}` : ''}.
                </Text>
                <WeeklyReview coupleId={coupleId!} />
                <Stack gap="sm" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                  {current.agreements.map((agreement) => (
                    <li key={agreement.id}>
                      <AgreementCard agreement={agreement} />
                    </li>
                  ))}
                </Stack>
              </Stack>
            )
          }
        </QueryState>
      )}
    </Stack>
  );
}

function AgreementCard({ agreement }: { agreement: Agreement }) {
  const { user } = useSession();
  return (
    <Card withBorder padding="md" component="article" aria-label={agreement.text}>
      <Stack gap={6}>
        <Text fw={600}>{agreement.text}</Text>
        <Text size="sm">
          {keeperFor(agreement, user.id)} · {FREQUENCY_LABEL[agreement.frequency as Frequency] ?? agreement.frequency}
        </Text>
      </Stack>
    </Card>
  );
}

/** This week's review: when it is due, or that it is done and when the next one opens. */
export function WeeklyReview({ coupleId }: { coupleId: string }) {
  const zone = useZone();
  const ratings = useMyPlanRatings(coupleId);
  return (
    <QueryState query={ratings} label="your ratings" lines={1}>
      {(page) => {
        const week = thisWeek(zone, page.data);
        return week.rated.length > 0 ? (
          <Alert color="green" variant="light" title="You rated this week" role="status">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                Thank you. Your next review opens on {longDay(week.nextWeekStart)}. You can still change this week’s
                ratings until the end of {longDay(week.weekEnd)}.
              </Text>
              <Button component={Link} to="/home/plan/rate" variant="default" size="sm">
                Change this week’s ratings
              </Button>
            </Stack>
          </Alert>
        ) : (
          <Alert color="blue" variant="light" title="This week’s review is open" role="status">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                Rate how well each agreement was kept this week, by the end of {longDay(week.weekEnd)}. It takes a
                minute.
              </Text>
              <Button component={Link} to="/home/plan/rate" size="sm">
                Rate this week
              </Button>
            </Stack>
          </Alert>
        );
      }}
    </QueryState>
  );
}

import { Anchor, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';

import { api, unwrap } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { addDays, formatDateTime, todayIn } from '../format';
import { CalendarFeed } from './CalendarFeed';
import { checkInPath, occurrencesOf, useMyAssignments, useZone, type Due } from './data';
import { useCoupleId, useRepairPlan } from './plan';
import { WeeklyReview } from './PlanPage';
import { UpcomingSessions } from './UpcomingSessions';

/**
 * The partner's home, phone first: what can be sent now (overdue first, with until when), what
 * comes later this week, in the partner's own zone; their next sessions with the calendar feed
 * beside them, and unread notifications.
 */
export default function PartnerHomePage() {
  useDocumentTitle('Home');
  const { user } = useSession();
  const zone = useZone();
  const assignments = useMyAssignments();
  const unread = useQuery({
    queryKey: ['me', 'notifications', 'unread'],
    queryFn: () => unwrap(api.GET('/v1/me/notifications', { params: { query: { unread: true, limit: 1 } } })),
  });
  const firstName = user.name.trim().split(/\s+/)[0];

  return (
    <Stack gap="lg" maw={720}>
      <Stack gap={4}>
        <Title order={1}>Hello, {firstName}</Title>
        <Text c="dimmed">Times are shown in your time zone, {zone.replace(/_/g, ' ')}.</Text>
      </Stack>
      {unread.data && unread.data.unreadCount > 0 ? (
        <Anchor component={Link} to="/home/notifications">
          {unread.data.unreadCount === 1 ? '1 unread notification' : `${unread.data.unreadCount} unread notifications`}
        </Anchor>
      ) : null}
      <QueryState query={assignments} label="your homework">
        {(list) => <Homework items={occurrencesOf(list.data, user.id)} zone={zone} />}
      </QueryState>
      <OurPlan />
      <UpcomingSessions zone={zone}>
        <CalendarFeed />
      </UpcomingSessions>
    </Stack>
  );
}

function Homework({ items, zone }: { items: Due[]; zone: string }) {
  const today = todayIn(zone);
  const weekEnd = addDays(today, 7);
  const open = items
    .filter((i) => i.occurrence.state === 'due')
    // Overdue first: they close soonest.
    .sort((a, b) => a.occurrence.closesAt.localeCompare(b.occurrence.closesAt));
  const later = items.filter(
    (i) => i.occurrence.state === 'upcoming' && todayIn(zone, new Date(i.occurrence.dueAt)) < weekEnd,
  );
  return (
    <>
      <section aria-labelledby="now-heading">
        <Stack gap="sm">
          <Title order={2} id="now-heading" size="h3">
            To do now
          </Title>
          {open.length === 0 ? (
            <Text>Nothing to send right now. Well done.</Text>
          ) : (
            open.map((item) => (
              <DueCard key={`${item.assignment.id}-${item.occurrence.dueAt}`} item={item} zone={zone} />
            ))
          )}
        </Stack>
      </section>
      <section aria-labelledby="later-heading">
        <Stack gap="sm">
          <Title order={2} id="later-heading" size="h3">
            Coming up this week
          </Title>
          {later.length === 0 ? (
            <Text>Nothing else is due in the next 7 days.</Text>
          ) : (
            <Stack gap={6} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {later.map(({ assignment, occurrence }) => (
                <Text component="li" key={`${assignment.id}-${occurrence.dueAt}`}>
                  <Text span fw={600}>
                    {assignment.title}
                  </Text>{' '}
                  — due {formatDateTime(occurrence.dueAt, zone)}
                </Text>
              ))}
            </Stack>
          )}
        </Stack>
      </section>
    </>
  );
}

function DueCard({ item, zone }: { item: Due; zone: string }) {
  const { assignment, occurrence } = item;
  const isToday = todayIn(zone, new Date(occurrence.dueAt)) === todayIn(zone);
  return (
    <Card withBorder padding="md" component="article" aria-label={assignment.title}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text fw={600}>{assignment.title}</Text>
          {occurrence.isOverdue ? (
            <Badge color="orange" variant="light" style={{ flexShrink: 0 }}>
              Overdue
            </Badge>
          ) : isToday ? (
            <Badge color="blue" variant="light" style={{ flexShrink: 0 }}>
              Today
            </Badge>
          ) : null}
        </Group>
        <Text size="sm">
          {occurrence.isOverdue
            ? `Was due ${formatDateTime(occurrence.dueAt, zone)}. You can still send it until ${formatDateTime(occurrence.closesAt, zone)}.`
            : `Due ${formatDateTime(occurrence.dueAt, zone)}.`}
        </Text>
        {assignment.isAlwaysPrivate && (
          <Text size="sm" c="dimmed">
            Just for you: only your therapist sees your answers, and your partner is not told about it.
          </Text>
        )}
        <Group>
          <Button
            component={Link}
            to={checkInPath(assignment.id, occurrence.dueAt)}
            aria-label={`Check in: ${assignment.title}`}
          >
            Check in
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** The couple's repair plan on the home: this week's review, and the way to the whole plan (once there is one). */
function OurPlan() {
  const coupleId = useCoupleId();
  const plan = useRepairPlan(coupleId);
  if (!coupleId || !plan.data || plan.data.agreements.length === 0) return null;
  const count = plan.data.agreements.length;
  return (
    <section aria-labelledby="plan-heading">
      <Stack gap="sm">
        <Title order={2} id="plan-heading" size="h3">
          Our plan
        </Title>
        <Text>
          {count === 1 ? '1 agreement' : `${count} agreements`} you made with your therapist.{' '}
          <Anchor component={Link} to="/home/plan" underline="always">
            Read our plan
          </Anchor>
        </Text>
        <WeeklyReview coupleId={coupleId} />
      </Stack>
    </section>
  );
}

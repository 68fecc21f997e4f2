import { Badge, Card, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';

import type { CheckInForm } from '@mend/check-in-form';

import './partner.css';

import { useSession } from '../auth/AuthProvider';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDateTime } from '../format';
import { useMyAssignments, useMyCheckIns, useZone, type CheckIn, type MyAssignment } from './data';

/**
 * The partner's own check-ins, and the ones their partner chose to share with them. The API
 * answers nothing else (a private check-in of the other partner is never in this list).
 */
export default function HistoryPage() {
  useDocumentTitle('History');
  const { user } = useSession();
  const zone = useZone();
  const checkIns = useMyCheckIns();
  const assignments = useMyAssignments();
  const [whose, setWhose] = useState<'mine' | 'shared'>('mine');

  return (
    <Stack gap="lg" maw={720}>
      <Title order={1}>History</Title>
      <SegmentedControl
        aria-label="Whose check-ins"
        value={whose}
        onChange={(value) => setWhose(value as 'mine' | 'shared')}
        data={[
          { value: 'mine', label: 'Mine' },
          { value: 'shared', label: 'Shared with me' },
        ]}
      />
      <QueryState query={checkIns} label="your history">
        {(page) => {
          const list = page.data.filter((c) => (whose === 'mine' ? c.authorId === user.id : c.authorId !== user.id));
          if (list.length === 0)
            return (
              <Text>
                {whose === 'mine'
                  ? 'No check-ins yet. The ones you send appear here.'
                  : 'Nothing shared with you yet. When your partner chooses to share a check-in with you, it appears here.'}
              </Text>
            );
          return (
            <Stack gap="sm" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {list.map((checkIn) => (
                <li key={checkIn.id}>
                  <Entry
                    checkIn={checkIn}
                    assignment={assignments.data?.data.find((a) => a.id === checkIn.assignmentId)}
                    zone={zone}
                    isMine={whose === 'mine'}
                  />
                </li>
              ))}
            </Stack>
          );
        }}
      </QueryState>
    </Stack>
  );
}

function Entry({
  checkIn,
  assignment,
  zone,
  isMine,
}: {
  checkIn: CheckIn;
  assignment: MyAssignment | undefined;
  zone: string;
  isMine: boolean;
}) {
  const form = assignment?.form as unknown as CheckInForm | undefined;
  const answers = checkIn.answers as Record<string, unknown>;
  const title = assignment?.title ?? 'Check-in';
  return (
    <Card
      withBorder
      padding="md"
      component="article"
      aria-label={`${title}, ${formatDateTime(checkIn.submittedAt, zone)}`}
    >
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start">
          <Title order={2} size="h4">
            {title}
          </Title>
          {isMine ? (
            <Badge variant="light" color={checkIn.visibility === 'shared' ? 'green' : 'gray'}>
              {checkIn.visibility === 'shared' ? 'Shared with your partner' : 'Only your therapist'}
            </Badge>
          ) : (
            <Badge variant="light" color="green">
              Shared by your partner
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Sent {formatDateTime(checkIn.submittedAt, zone)}
          {checkIn.isLate ? ' (late)' : ''}
        </Text>
        <dl className="answers">
          {(form?.fields ?? Object.keys(answers).map((key) => ({ key, label: key }))).map((field) =>
            answers[field.key] === undefined ? null : (
              <div key={field.key}>
                <dt>{field.label}</dt>
                <dd>{answerText(field, answers[field.key])}</dd>
              </div>
            ),
          )}
        </dl>
      </Stack>
    </Card>
  );
}

/** An answer in words: a choice's label, yes/no, a list, or the number or text given. */
function answerText(
  field: { key: string; label: string; type?: string; options?: { value: string; label: string }[] },
  value: unknown,
): string {
  const label = (v: unknown) => field.options?.find((o) => o.value === v)?.label ?? String(v);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.map(label).join(', ');
  return label(value);
}

import { Alert, Anchor, Button, Card, Checkbox, Fieldset, Radio, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';

import './partner.css';

import { api, problemOf, unwrap } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { FREQUENCY_LABEL, longDay, type Agreement, type AgreementRating, type Frequency } from '../repairPlan';
import { useZone } from './data';
import { thisWeek, useCoupleId, useMyPlanRatings, useRepairPlan } from './plan';
import { keeperFor } from './PlanPage';

interface Answer {
  kept: number | null;
  stillFits: boolean;
  note: string;
}

const SCALE = Array.from({ length: 11 }, (_, i) => i);

/**
 * The weekly review, phone first: for each agreement of the plan, how well it was kept this
 * week (0–10), whether it still fits, and an optional note that only the therapist reads. The
 * reminder's link lands here. Rating the week again replaces the earlier ratings.
 */
export default function RatePlanPage() {
  useDocumentTitle('Rate our plan');
  const coupleId = useCoupleId();
  const plan = useRepairPlan(coupleId);
  const ratings = useMyPlanRatings(coupleId);

  return (
    <Stack gap="lg" maw={640}>
      <Anchor component={Link} to="/home/plan">
        ← Our plan
      </Anchor>
      <Title order={1}>Rate this week</Title>
      {coupleId === null ? (
        <Text>You are not part of a couple in Mend, so there is no plan to rate.</Text>
      ) : (
        <QueryState query={plan} label="your plan">
          {(current) => (
            <QueryState query={ratings} label="your ratings" lines={1}>
              {(mine) =>
                current.agreements.length === 0 ? (
                  <Text>Your therapist has not written down a plan with you yet, so there is nothing to rate.</Text>
                ) : (
                  <RatingForm coupleId={coupleId!} agreements={current.agreements} ratings={mine.data} />
                )
              }
            </QueryState>
          )}
        </QueryState>
      )}
    </Stack>
  );
}

function RatingForm({
  coupleId,
  agreements,
  ratings,
}: {
  coupleId: string;
  agreements: Agreement[];
  ratings: AgreementRating[];
}) {
  const zone = useZone();
  const { user } = useSession();
  const client = useQueryClient();
  const week = thisWeek(zone, ratings);
  const [answers, setAnswers] = useState<Record<string, Answer>>(() =>
    Object.fromEntries(
      agreements.map((a) => {
        const earlier = week.rated.find((r) => r.agreementId === a.id);
        return [
          a.id,
          earlier
            ? { kept: earlier.kept, stillFits: earlier.stillFits, note: earlier.note ?? '' }
            : { kept: null, stillFits: true, note: '' },
        ];
      }),
    ),
  );
  const [missing, setMissing] = useState<string[]>([]);
  const rate = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/couples/{id}/repair-plan/ratings', {
          params: { path: { id: coupleId } },
          body: {
            ratings: agreements.map((a) => ({
              agreementId: a.id,
              kept: answers[a.id]!.kept!,
              stillFits: answers[a.id]!.stillFits,
              note: answers[a.id]!.note.trim() || null,
            })),
          },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: ['me', 'repair-plan', coupleId] }),
  });
  const set = (id: string, change: Partial<Answer>) => {
    setAnswers((all) => ({ ...all, [id]: { ...all[id]!, ...change } }));
    if (change.kept !== undefined) setMissing((m) => m.filter((x) => x !== id));
  };

  if (rate.isSuccess)
    return (
      <Alert color="green" variant="light" title="Thank you: your ratings are saved" role="status">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">
            Your therapist can read them now. Your next review opens on {longDay(week.nextWeekStart)}.
          </Text>
          <Button component={Link} to="/home/plan" variant="default" size="sm">
            Back to our plan
          </Button>
        </Stack>
      </Alert>
    );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const unanswered = agreements.filter((a) => answers[a.id]!.kept === null).map((a) => a.id);
    setMissing(unanswered);
    if (unanswered.length > 0) {
      document.getElementById(`kept-${unanswered[0]}`)?.focus();
      return;
    }
    rate.mutate();
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Rate this week">
      <Stack gap="md">
        <Text>
          For the week of {longDay(week.weekStart)} to {longDay(week.weekEnd)}: how well was each agreement kept?{' '}
          {week.rated.length > 0 ? 'You rated this week already; saving again replaces those ratings.' : ''}
        </Text>
        <Text size="sm" c="dimmed">
          Your partner does not see your ratings or notes. Your therapist does.
        </Text>
        {agreements.map((agreement, index) => {
          const answer = answers[agreement.id]!;
          const isMissing = missing.includes(agreement.id);
          const errorId = `kept-error-${agreement.id}`;
          return (
            <Card key={agreement.id} withBorder padding="md" component="section" aria-label={`Agreement ${index + 1}`}>
              <Stack gap="sm">
                <Stack gap={2}>
                  <Text fw={600}>{agreement.text}</Text>
                  <Text size="sm" c="dimmed">
                    {keeperFor(agreement, user.id)} · {FREQUENCY_LABEL[agreement.frequency as Frequency]}
                  </Text>
                </Stack>
                <Fieldset
                  variant="unstyled"
                  legend={
                    <Text component="span" fw={600} size="sm">
                      How well was it kept? 0 not at all, 10 fully
                    </Text>
                  }
                  aria-describedby={isMissing ? errorId : undefined}
                >
                  {isMissing ? (
                    <Text id={errorId} c="red.9" fw={600} size="sm" mb={4}>
                      Choose a number from 0 to 10.
                    </Text>
                  ) : null}
                  <div className="scale-grid">
                    {SCALE.map((value) => (
                      <Radio
                        key={value}
                        id={value === 0 ? `kept-${agreement.id}` : undefined}
                        name={`kept-${agreement.id}`}
                        value={String(value)}
                        label={String(value)}
                        checked={answer.kept === value}
                        onChange={() => set(agreement.id, { kept: value })}
                        aria-invalid={isMissing ? true : undefined}
                      />
                    ))}
                  </div>
                </Fieldset>
                <Checkbox
                  label="This agreement still fits us"
                  checked={answer.stillFits}
                  onChange={(e) => set(agreement.id, { stillFits: e.currentTarget.checked })}
                />
                <Textarea
                  label="A note for your therapist (optional)"
                  description="Only your therapist reads this. Your partner does not see it."
                  value={answer.note}
                  maxLength={2000}
                  autosize
                  minRows={2}
                  onChange={(e) => set(agreement.id, { note: e.currentTarget.value })}
                />
              </Stack>
            </Card>
          );
        })}
        {missing.length > 0 ? (
          <Text c="red.9" fw={600} role="alert">
            {missing.length === 1
              ? 'One agreement has no rating yet.'
              : `${missing.length} agreements have no rating yet.`}
          </Text>
        ) : null}
        <FormError message={rate.error ? problemOf(rate.error).plain : null} />
        <Button type="submit" loading={rate.isPending} size="md">
          Save my ratings
        </Button>
      </Stack>
    </form>
  );
}

import { Alert, Anchor, Button, Divider, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';

import {
  answersFromPost,
  fieldErrors,
  fieldModels,
  format,
  messagesFor,
  paragraphsOf,
  validateAnswers,
  visibilityFieldModel,
  visibilityFromPost,
  type CheckInForm,
  type PostedForm,
} from '@mend/check-in-form';

import { api, problemOf, unwrap, type FieldProblem } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate, formatDateTime } from '../format';
import { ErrorSummary, FieldInput } from './CheckInForm';
import {
  mine,
  useMyAssignments,
  useMyCheckIns,
  useZone,
  type CheckIn,
  type MyAssignment,
  type Occurrence,
} from './data';

/**
 * A check-in in the app: the same form, validation, visibility choice and wording as the
 * emailed check-in page (one catalog and one set of rules, @mend/check-in-form); the API's
 * validator judges the answers and its problems are worded by the same rules.
 */
export default function CheckInPage() {
  const { assignmentId } = useParams();
  const [search] = useSearchParams();
  const at = search.get('at');
  const { user } = useSession();
  const m = messagesFor(user.locale);
  useDocumentTitle(m.titles.page);
  const assignments = useMyAssignments();

  return (
    <Stack gap="lg" maw={640}>
      <Anchor component={Link} to="/">
        ← Home
      </Anchor>
      <QueryState query={assignments} label="this check-in">
        {(list) => {
          const assignment = list.data.find((a) => a.id === assignmentId);
          const occurrence = assignment?.occurrences.find(
            (o) => at !== null && Date.parse(o.dueAt) === Date.parse(at) && mine(o, user.id),
          );
          if (!assignment || !occurrence)
            return <Message heading={m.unavailable.heading} body={[m.unavailable.body]} />;
          return <Occurrence assignment={assignment} occurrence={occurrence} />;
        }}
      </QueryState>
    </Stack>
  );
}

function Message({ heading, body, isStatus = false }: { heading: string; body: string[]; isStatus?: boolean }) {
  return (
    <Stack gap="sm" role={isStatus ? 'status' : undefined}>
      <Title order={1}>{heading}</Title>
      {body.map((p, i) => (
        <Text key={i}>{p}</Text>
      ))}
      <div>
        <Button component={Link} to="/" variant="default">
          Back to home
        </Button>
      </div>
    </Stack>
  );
}

function Occurrence({ assignment, occurrence }: { assignment: MyAssignment; occurrence: Occurrence }) {
  const { user } = useSession();
  const m = messagesFor(user.locale);
  const zone = useZone();
  const checkIns = useMyCheckIns();
  const [sent, setSent] = useState<CheckIn | null>(null);

  if (sent) return <Sent checkIn={sent} />;
  if (occurrence.state === 'done') {
    const mineDone = checkIns.data?.data.find(
      (c) => c.assignmentId === assignment.id && Date.parse(c.occurrenceAt) === Date.parse(occurrence.dueAt),
    );
    return (
      <Message
        heading={format(m.done.heading, { date: mineDone ? formatDate(mineDone.submittedAt, zone) : '' }).trim()}
        body={['There is nothing more to do here.']}
      />
    );
  }
  if (occurrence.state === 'upcoming')
    return (
      <Message
        heading={m.notOpen.heading}
        body={[format(m.notOpen.body, { date: formatDateTime(occurrence.opensAt, zone, true) })]}
      />
    );
  if (occurrence.state === 'missed') return <Message heading={m.unavailable.heading} body={[m.unavailable.body]} />;
  return <Form assignment={assignment} occurrence={occurrence} onSent={setSent} />;
}

/** The partner's name is not part of the client API; the choice names "your partner" instead. */
const PARTNER = 'your partner';

function Form({
  assignment,
  occurrence,
  onSent,
}: {
  assignment: MyAssignment;
  occurrence: Occurrence;
  onSent: (checkIn: CheckIn) => void;
}) {
  const { user } = useSession();
  const m = messagesFor(user.locale);
  const zone = useZone();
  const client = useQueryClient();
  const form = assignment.form as unknown as CheckInForm;
  const [posted, setPosted] = useState<PostedForm>({ visibility: 'private' });
  const [problems, setProblems] = useState<FieldProblem[] | null>(null);
  const [visibilityError, setVisibilityError] = useState<string | null>(null);

  const errors = useMemo(() => fieldErrors(form, problems ?? [], posted, m), [form, problems, posted, m]);
  const fields = fieldModels(form, posted, errors, m);
  // Homework given to this partner alone (the safety check) offers no share choice: it stays private.
  const isPrivate = assignment.isAlwaysPrivate;
  const visibility = visibilityFieldModel(m, isPrivate ? null : PARTNER, posted, visibilityError);
  const invalid = useMemo(
    () => [...fields.filter((f) => f.error), ...(visibility?.error ? [visibility] : [])],
    // The summary (and its focus) follows a submit, not each keystroke.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [problems, visibilityError],
  );
  useDocumentTitle(invalid.length ? m.titles.error : m.titles.page);

  const submit = useMutation({
    mutationFn: (body: { answers: Record<string, unknown>; visibility: 'private' | 'shared' }) =>
      unwrap(
        api.POST('/v1/assignments/{id}/check-ins', {
          params: { path: { id: assignment.id } },
          // The API's validator judges the answers; the form only shapes them (answersFromPost).
          body: {
            occurrenceAt: occurrence.dueAt,
            visibility: body.visibility,
            answers: body.answers as Record<string, string | number | boolean | string[]>,
          },
        }),
      ),
    onSuccess: (checkIn) => {
      void client.invalidateQueries({ queryKey: ['me'] });
      onSent(checkIn);
    },
    onError: (error) => {
      const problem = problemOf(error);
      if (problem.errors.length) setProblems(problem.errors);
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = visibilityFromPost(posted, !isPrivate);
    setVisibilityError(chosen === null ? m.errors.visibility : null);
    if (chosen === null) return;
    const answers = answersFromPost(form, posted);
    // The API's own rules, run here first: the partner hears at once, the API judges again.
    const found = validateAnswers(form, answers);
    setProblems(found.length ? found : null);
    if (found.length) return;
    submit.mutate({ answers, visibility: chosen });
  };
  const change = (name: string, value: string | string[]) => setPosted((p) => ({ ...p, [name]: value }));
  const isLate = occurrence.isOverdue;
  const therapistNote = paragraphsOf(assignment.instructions);
  const problem = submit.error ? problemOf(submit.error) : null;

  return (
    <Stack gap="lg">
      <ErrorSummary m={m} invalid={invalid} />
      <Stack gap={4}>
        <Title order={1}>{assignment.title}</Title>
        <Text>
          {isLate
            ? format(m.form.dueLate, {
                date: formatDateTime(occurrence.dueAt, zone, true),
                closes: formatDateTime(occurrence.closesAt, zone, true),
              })
            : format(m.form.due, { date: formatDateTime(occurrence.dueAt, zone, true) })}
        </Text>
      </Stack>
      {therapistNote.length ? (
        <Alert variant="light" color="blue" title={m.form.therapistNote}>
          {therapistNote.map((p, i) => (
            <Text key={i}>{p}</Text>
          ))}
        </Alert>
      ) : null}
      <details>
        <summary>{m.form.aboutExercise}</summary>
        {paragraphsOf(assignment.exerciseInstructions).map((p, i) => (
          <Text key={i} mt="xs">
            {p}
          </Text>
        ))}
      </details>
      <form onSubmit={onSubmit} noValidate aria-label={m.titles.page}>
        <Stack gap="xl">
          {fields.map((field) => (
            <FieldInput key={field.key} field={field} m={m} posted={posted} onChange={change} />
          ))}
          <Divider />
          {visibility ? (
            <FieldInput field={visibility} m={m} posted={posted} onChange={change} />
          ) : (
            <Text>
              {m.form.visibilitySolo}
              {isPrivate ? ' Your partner does not see this check-in and is not told about it.' : ''}
            </Text>
          )}
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <div>
            <Button type="submit" size="md" loading={submit.isPending}>
              {m.form.submit}
            </Button>
          </div>
        </Stack>
      </form>
    </Stack>
  );
}

function Sent({ checkIn }: { checkIn: CheckIn }) {
  const { user } = useSession();
  const m = messagesFor(user.locale);
  const zone = useZone();
  useDocumentTitle(m.titles.sent);
  // Reveal together: a shared answer waits for the partner's own; say until when at the latest.
  const who =
    checkIn.visibility !== 'shared'
      ? m.sent.private
      : checkIn.reveal && !checkIn.reveal.isRevealed
        ? format(m.sent.sharedLater, {
            partner: PARTNER,
            date: formatDateTime(checkIn.reveal.revealsAt, zone, true),
          })
        : format(m.sent.shared, { partner: PARTNER });
  const support = checkIn.crisisResources ? [m.sent.safety, ...paragraphsOf(checkIn.crisisResources)] : [];
  return <Message heading={m.sent.heading} body={[who, ...support]} isStatus />;
}

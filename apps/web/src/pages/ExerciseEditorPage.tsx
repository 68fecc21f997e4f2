import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Checkbox,
  Grid,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { FormError } from '../components/FormError';
import { FormPreview } from '../components/FormPreview';
import { useDocumentTitle } from '../components/useDocumentTitle';

type Field = Schemas['FormFieldSchema'];
type Exercise = Schemas['CreateExerciseRequest'];

const TYPES: { value: Field['type']; label: string }[] = [
  { value: 'scale', label: 'Scale (numbers)' },
  { value: 'boolean', label: 'Yes / no' },
  { value: 'choice', label: 'One choice' },
  { value: 'multi', label: 'Multiple choice' },
  { value: 'text', label: 'Text' },
];
const CATEGORIES: { value: Exercise['category']; label: string }[] = [
  { value: 'communication', label: 'Communication' },
  { value: 'repair_plan', label: 'Repair plan' },
  { value: 'honesty', label: 'Honesty' },
  { value: 'time_together', label: 'Time together' },
  { value: 'caring', label: 'Caring' },
  { value: 'support', label: 'Support' },
];

function newField(type: Field['type'], index: number): Field {
  const key = `q${index + 1}`;
  if (type === 'scale') return { key, type, label: '', required: true, min: 0, max: 10, minLabel: '', maxLabel: '' };
  if (type === 'choice' || type === 'multi')
    return {
      key,
      type,
      label: '',
      required: true,
      options: [
        { value: 'a', label: '' },
        { value: 'b', label: '' },
      ],
    };
  if (type === 'text') return { key, type, label: '', required: false, maxLength: 1000 };
  return { key, type, label: '', required: true };
}

/** Cleans a field for the API: empty optional texts are left out. */
function clean(field: Field): Field {
  const out: Field = { ...field };
  for (const k of ['hint', 'minLabel', 'maxLabel'] as const) if (!out[k]) delete out[k];
  return out;
}

export default function ExerciseEditorPage() {
  const { exerciseId } = useParams();
  const isNew = !exerciseId;
  useDocumentTitle(isNew ? 'New exercise' : 'Edit exercise');
  const navigate = useNavigate();
  const client = useQueryClient();
  const existing = useQuery({
    queryKey: ['exercise', exerciseId],
    queryFn: () => unwrap(api.GET('/v1/exercises/{id}', { params: { path: { id: exerciseId! } } })),
    enabled: !isNew,
  });
  const [draft, setDraft] = useState<Exercise>({
    title: '',
    category: 'communication',
    mode: 'individual',
    instructions: '',
    form: { fields: [newField('scale', 0)] },
  });
  useEffect(() => {
    if (existing.data) {
      const e = existing.data;
      setDraft({ title: e.title, category: e.category, mode: e.mode, instructions: e.instructions, form: e.form });
    }
  }, [existing.data]);

  const save = useMutation({
    mutationFn: () => {
      const body = { ...draft, form: { fields: draft.form.fields.map(clean) } };
      return isNew
        ? unwrap(api.POST('/v1/exercises', { body }))
        : unwrap(api.PATCH('/v1/exercises/{id}', { params: { path: { id: exerciseId! } }, body }));
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['exercises'] });
      navigate('/exercises');
    },
  });
  const problem = save.isError ? problemOf(save.error) : null;
  const fields = draft.form.fields;
  const setFields = (next: Field[]) => setDraft((d) => ({ ...d, form: { fields: next } }));
  const setField = (i: number, patch: Partial<Field>) =>
    setFields(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  if (!isNew && existing.isPending) return <Text role="status">Loading the exercise…</Text>;
  if (existing.isError)
    return (
      <Alert color="red" role="alert">
        {problemOf(existing.error).plain}
      </Alert>
    );

  return (
    <Stack gap="md">
      <Title order={1}>{isNew ? 'New exercise' : `Edit ${draft.title}`}</Title>
      {!isNew && (
        <Text c="dimmed">
          Saving makes a new version. Homework already assigned keeps the version it was assigned with.
        </Text>
      )}
      <FormError message={problem && !problem.errors.length ? problem.plain : null} />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 6 }}>
          <form onSubmit={submit} noValidate aria-label="Exercise">
            <Stack gap="sm">
              <TextInput
                label="Title"
                value={draft.title}
                onChange={(e) => {
                  const title = e.currentTarget.value;
                  setDraft((d) => ({ ...d, title }));
                }}
                error={problem?.forField('title')}
                required
              />
              <Group grow>
                <Select
                  label="Category"
                  data={CATEGORIES}
                  value={draft.category}
                  onChange={(v) => v && setDraft((d) => ({ ...d, category: v as Exercise['category'] }))}
                  allowDeselect={false}
                />
                <Select
                  label="Who checks in"
                  data={[
                    { value: 'individual', label: 'Each partner' },
                    { value: 'joint', label: 'One for both' },
                  ]}
                  value={draft.mode}
                  onChange={(v) => v && setDraft((d) => ({ ...d, mode: v as Exercise['mode'] }))}
                  allowDeselect={false}
                />
              </Group>
              <Textarea
                label="Instructions"
                autosize
                minRows={3}
                value={draft.instructions}
                onChange={(e) => {
                  const instructions = e.currentTarget.value;
                  setDraft((d) => ({ ...d, instructions }));
                }}
                error={problem?.forField('instructions')}
                required
              />
              <Title order={2} fz="h3" mt="sm">
                Questions
              </Title>
              {fields.map((field, i) => (
                <Card key={i} withBorder padding="sm" component="fieldset" aria-label={`Question ${i + 1}`}>
                  <Stack gap="xs">
                    <Group justify="space-between">
                      <Text fw={600}>Question {i + 1}</Text>
                      <ActionIcon
                        variant="default"
                        size="lg"
                        aria-label={`Remove question ${i + 1}`}
                        onClick={() => setFields(fields.filter((_, j) => j !== i))}
                        disabled={fields.length === 1}
                      >
                        ×
                      </ActionIcon>
                    </Group>
                    <Select
                      label="Type"
                      data={TYPES}
                      value={field.type}
                      onChange={(v) =>
                        v &&
                        setFields(
                          fields.map((f, j) =>
                            j === i ? { ...newField(v as Field['type'], i), label: f.label, key: f.key } : f,
                          ),
                        )
                      }
                      allowDeselect={false}
                    />
                    <TextInput
                      label="Question"
                      value={field.label}
                      onChange={(e) => setField(i, { label: e.currentTarget.value })}
                      error={problem?.forField(`form.fields.${i}.label`)}
                      required
                    />
                    <Checkbox
                      label="An answer is required"
                      checked={field.required}
                      onChange={(e) => setField(i, { required: e.currentTarget.checked })}
                    />
                    {field.type === 'scale' && (
                      <Group grow>
                        <NumberInput
                          label="From"
                          value={field.min}
                          min={0}
                          max={9}
                          onChange={(v) => setField(i, { min: Number(v) })}
                        />
                        <NumberInput
                          label="To"
                          value={field.max}
                          min={1}
                          max={10}
                          onChange={(v) => setField(i, { max: Number(v) })}
                        />
                      </Group>
                    )}
                    {(field.type === 'choice' || field.type === 'multi') && (
                      <Stack gap={6}>
                        {(field.options ?? []).map((o, k) => (
                          <TextInput
                            key={k}
                            label={`Answer ${k + 1}`}
                            value={o.label}
                            onChange={(e) => {
                              const label = e.currentTarget.value;
                              setField(i, {
                                options: (field.options ?? []).map((x, n) => (n === k ? { ...x, label } : x)),
                              });
                            }}
                          />
                        ))}
                        <Button
                          size="xs"
                          variant="default"
                          w="fit-content"
                          onClick={() =>
                            setField(i, {
                              options: [
                                ...(field.options ?? []),
                                { value: String.fromCharCode(97 + (field.options?.length ?? 0)), label: '' },
                              ],
                            })
                          }
                        >
                          Add an answer
                        </Button>
                      </Stack>
                    )}
                    {field.type === 'text' && (
                      <NumberInput
                        label="Longest answer (characters)"
                        value={field.maxLength}
                        min={10}
                        max={5000}
                        onChange={(v) => setField(i, { maxLength: Number(v) })}
                      />
                    )}
                  </Stack>
                </Card>
              ))}
              <Group>
                <Select
                  aria-label="Type of the new question"
                  data={TYPES}
                  defaultValue="scale"
                  id="new-field-type"
                  allowDeselect={false}
                  onChange={(v) => v && setFields([...fields, newField(v as Field['type'], fields.length)])}
                  placeholder="Add a question…"
                  value={null}
                />
              </Group>
              {problem && problem.errors.length > 0 && (
                <Alert color="red" variant="light" role="alert" title="Check these">
                  <ul style={{ margin: 0, paddingLeft: 18 }}>
                    {problem.errors.map((e) => (
                      <li key={e.field + e.message}>{problem.forField(e.field)}</li>
                    ))}
                  </ul>
                </Alert>
              )}
              <Group>
                <Button type="submit" loading={save.isPending}>
                  {isNew ? 'Save exercise' : 'Save new version'}
                </Button>
                <Button component={Link} to="/exercises" variant="default">
                  Cancel
                </Button>
              </Group>
            </Stack>
          </form>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <FormPreview
            title={draft.title || 'Untitled exercise'}
            instructions={draft.instructions}
            fields={fields.map((f) => ({ ...f, label: f.label || 'Your question' }))}
            partnerName="your partner"
            idPrefix="editor-preview"
          />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

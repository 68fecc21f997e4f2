import { Alert, Anchor, Checkbox, Fieldset, List, Radio, Stack, Text, Textarea } from '@mantine/core';
import { useEffect, useRef } from 'react';

import {
  errorSummaryItems,
  type CheckInMessages,
  type FieldModel,
  type GroupFieldModel,
  type PostedForm,
} from '@mend/check-in-form';

import './partner.css';

/**
 * The check-in form as the server-rendered check-in page draws it, from the same field models
 * (@mend/check-in-form): the same questions, hints, options, order, error wording and summary.
 */
export function ErrorSummary({ m, invalid }: { m: CheckInMessages; invalid: FieldModel[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (invalid.length) ref.current?.focus();
  }, [invalid]);
  if (!invalid.length) return null;
  return (
    <Alert ref={ref} tabIndex={-1} color="red" variant="light" title={m.errors.summaryHeading} role="alert">
      <List>
        {errorSummaryItems(m, invalid).map((item) => (
          <List.Item key={item.href}>
            <Anchor
              href={item.href}
              onClick={(event) => {
                // In-page: focus the first input instead of changing the route's hash.
                event.preventDefault();
                document.getElementById(item.href.slice(1))?.focus();
              }}
            >
              {item.text}
            </Anchor>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

export function FieldInput({
  field,
  m,
  posted,
  onChange,
}: {
  field: FieldModel;
  m: CheckInMessages;
  posted: PostedForm;
  onChange: (name: string, value: string | string[]) => void;
}) {
  const describedBy = [field.hints.length ? field.hintId : null, field.error ? field.errorId : null]
    .filter(Boolean)
    .join(' ');
  const hints = field.hints.map((hint, i) => (
    <Text key={i} size="sm" c="dimmed" id={i === 0 ? field.hintId : undefined}>
      {hint}
    </Text>
  ));
  const error = field.error ? (
    <Text size="sm" c="red.9" fw={600} id={field.errorId}>
      {m.errors.prefix} {field.error}
    </Text>
  ) : null;

  if (field.kind === 'text') {
    return (
      <Textarea
        id={field.id}
        name={field.name}
        label={
          <>
            {field.label}
            {field.isOptional ? ` ${m.form.optional}` : ''}
          </>
        }
        description={field.hints.join(' ')}
        error={field.error ? `${m.errors.prefix} ${field.error}` : undefined}
        maxLength={field.maxLength}
        autosize
        minRows={3}
        value={typeof posted[field.name] === 'string' ? (posted[field.name] as string) : ''}
        onChange={(event) => onChange(field.name, event.currentTarget.value)}
      />
    );
  }
  return (
    <Group
      field={field}
      m={m}
      posted={posted}
      onChange={onChange}
      describedBy={describedBy}
      hints={hints}
      error={error}
    />
  );
}

function Group({
  field,
  m,
  posted,
  onChange,
  describedBy,
  hints,
  error,
}: {
  field: GroupFieldModel;
  m: CheckInMessages;
  posted: PostedForm;
  onChange: (name: string, value: string | string[]) => void;
  describedBy: string;
  hints: React.ReactNode;
  error: React.ReactNode;
}) {
  const raw = posted[field.name];
  const chosen = new Set(raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]);
  const options = field.options.map((option) =>
    field.inputType === 'radio' ? (
      <Radio
        key={option.id}
        id={option.id}
        name={field.name}
        value={option.value}
        label={option.label}
        checked={chosen.has(option.value)}
        onChange={() => onChange(field.name, option.value)}
        aria-describedby={describedBy || undefined}
        aria-invalid={field.error ? true : undefined}
      />
    ) : (
      <Checkbox
        key={option.id}
        id={option.id}
        name={field.name}
        value={option.value}
        label={option.label}
        checked={chosen.has(option.value)}
        onChange={(event) => {
          const next = new Set(chosen);
          if (event.currentTarget.checked) next.add(option.value);
          else next.delete(option.value);
          onChange(
            field.name,
            field.options.map((o) => o.value).filter((v) => next.has(v)),
          );
        }}
        aria-describedby={describedBy || undefined}
        aria-invalid={field.error ? true : undefined}
      />
    ),
  );
  return (
    <Fieldset
      variant="unstyled"
      legend={
        <Text fw={600} component="span">
          {field.legend}
          {field.isOptional ? ` ${m.form.optional}` : ''}
        </Text>
      }
    >
      <Stack gap="xs">
        {hints}
        {error}
        {field.layout === 'grid' ? <div className="scale-grid">{options}</div> : <Stack gap="xs">{options}</Stack>}
      </Stack>
    </Fieldset>
  );
}

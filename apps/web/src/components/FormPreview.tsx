import { Checkbox, Fieldset, Group, Radio, Stack, Text, Textarea, Title } from '@mantine/core';

import { format, messagesFor } from '../../../../libs/check-in-page/src/check-in-page.messages';
import type { Schemas } from '../api/client';

type Field = Schemas['FormFieldSchema'];

/**
 * The check-in form as the partner will see it: the same questions, hints and wording (the check-in
 * page's own message catalog), shown read-only. `idPrefix` keeps ids unique on the page.
 */
export function FormPreview({
  title,
  instructions,
  note,
  fields,
  partnerName,
  idPrefix,
  isPrivate = false,
}: {
  title: string;
  instructions: string;
  note?: string;
  fields: Field[];
  partnerName: string;
  idPrefix: string;
  /** Given to one partner alone (the safety check): no share choice is offered. */
  isPrivate?: boolean;
}) {
  const m = messagesFor('en').form;
  return (
    <div className="form-preview" aria-label={`Preview of ${title}`} role="group">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          Preview: what each partner sees (nothing here is sent)
        </Text>
        <Title order={3} fz="h4">
          {title}
        </Title>
        {note && (
          <Stack gap={2}>
            <Text fw={600} size="sm">
              {m.therapistNote}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {note}
            </Text>
          </Stack>
        )}
        <details>
          <summary>{m.aboutExercise}</summary>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {instructions}
          </Text>
        </details>
        {fields.map((field) => (
          <PreviewField key={field.key} field={field} id={`${idPrefix}-${field.key}`} />
        ))}
        {isPrivate ? (
          <Text>{m.visibilitySolo} Your partner does not see this check-in and is not told about it.</Text>
        ) : (
          <Radio.Group label={m.visibilityLegend} description={format(m.visibilityHint, { partner: partnerName })}>
            <Stack gap={6} mt={6}>
              <Radio value="private" label={m.visibilityPrivate} disabled />
              <Radio value="shared" label={format(m.visibilityShared, { partner: partnerName })} disabled />
            </Stack>
          </Radio.Group>
        )}
      </Stack>
    </div>
  );
}

function PreviewField({ field, id }: { field: Field; id: string }) {
  const m = messagesFor('en').form;
  const label = (
    <>
      {field.label}
      {!field.required && ` ${m.optional}`}
    </>
  );
  if (field.type === 'scale') {
    const min = field.min ?? 0;
    const max = field.max ?? 10;
    const values = Array.from({ length: max - min + 1 }, (_, i) => min + i);
    const hints = [
      format(m.scaleHint, { min, max }),
      ...(field.anchors ?? []).map((a) => format(m.anchorHint, { value: a.value, label: a.label })),
    ];
    return (
      <Radio.Group label={label} description={[field.hint, ...hints].filter(Boolean).join(' ')} id={id}>
        <Group gap="xs" mt={6}>
          {values.map((v) => (
            <Radio key={v} value={String(v)} label={String(v)} disabled />
          ))}
        </Group>
      </Radio.Group>
    );
  }
  if (field.type === 'boolean') {
    return (
      <Radio.Group label={label} description={field.hint} id={id}>
        <Group gap="md" mt={6}>
          <Radio value="yes" label={m.yes} disabled />
          <Radio value="no" label={m.no} disabled />
        </Group>
      </Radio.Group>
    );
  }
  if (field.type === 'choice') {
    return (
      <Radio.Group label={label} description={field.hint} id={id}>
        <Stack gap={6} mt={6}>
          {(field.options ?? []).map((o) => (
            <Radio key={o.value} value={o.value} label={o.label} disabled />
          ))}
        </Stack>
      </Radio.Group>
    );
  }
  if (field.type === 'multi') {
    return (
      <Fieldset legend={label} variant="unstyled">
        <Text size="sm" c="dimmed" mb={6}>
          {[field.hint, m.multiHint].filter(Boolean).join(' ')}
        </Text>
        <Stack gap={6}>
          {(field.options ?? []).map((o) => (
            <Checkbox key={o.value} label={o.label} disabled />
          ))}
        </Stack>
      </Fieldset>
    );
  }
  return (
    <Textarea
      label={label}
      description={[field.hint, field.maxLength ? format(m.textHint, { max: field.maxLength }) : '']
        .filter(Boolean)
        .join(' ')}
      disabled
      autosize
      minRows={2}
      id={id}
    />
  );
}

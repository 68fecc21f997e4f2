import { Button, Group, Modal, Stack, type ModalProps } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';

import { problemOf } from '../api/client';
import { FormError } from './FormError';

/**
 * A small form in a dialog (invite, create, connect, edit): its fields, the API's problem when it
 * names no field (field problems belong next to their field), and Cancel beside the submit button.
 */
export function FormDialog({
  opened,
  onClose,
  title,
  size,
  onSubmit,
  submitLabel,
  isPending,
  error,
  children,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  size?: ModalProps['size'];
  onSubmit: () => void;
  submitLabel: string;
  isPending: boolean;
  error: unknown;
  children: ReactNode;
}) {
  const problem = error ? problemOf(error) : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onClose} title={title} size={size}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          {children}
          <FormError message={problem && !problem.errors.length ? problem.plain : null} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={isPending}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

import { Button, Group, Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';

import { problemOf } from '../api/client';
import { FormError } from './FormError';

/**
 * "Are you sure?" before an action that cannot be taken back (revoke, delete, disconnect,
 * rotate): what will happen in plain words, the API's problem if it refused, and a safe way out
 * that is the default button.
 */
export function ConfirmDialog({
  opened,
  title,
  onCancel,
  onConfirm,
  confirmLabel,
  cancelLabel = 'Keep it',
  isPending = false,
  error,
  isDestructive = true,
  children,
}: {
  opened: boolean;
  title: string;
  onCancel: () => void;
  onConfirm: () => void;
  confirmLabel: string;
  cancelLabel?: string;
  isPending?: boolean;
  /** The failed attempt's error, shown in plain words. */
  error?: unknown;
  /** Red for what destroys something; the theme's colour for what only changes it. */
  isDestructive?: boolean;
  children: ReactNode;
}) {
  return (
    <Modal closeButtonProps={{ 'aria-label': 'Close' }} opened={opened} onClose={onCancel} title={title}>
      <Stack gap="sm">
        {children}
        <FormError message={error ? problemOf(error).plain : null} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {cancelLabel}
          </Button>
          <Button color={isDestructive ? 'red.9' : undefined} loading={isPending} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

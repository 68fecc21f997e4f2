import { Badge, Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { DataTable } from '../components/DataTable';
import { FormDialog } from '../components/FormDialog';
import { FormError } from '../components/FormError';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { formatDate } from '../format';
import { ReauthDialog, withReauth } from './Reauth';

type User = Schemas['UserResponse'];

const ROLE_LABEL: Record<User['role'], string> = { admin: 'Admin', therapist: 'Therapist', client: 'Partner' };
const STATUS_COLOR: Record<User['status'], string> = { active: 'green', invited: 'blue', disabled: 'gray' };

/**
 * The clinic's staff: invite, resend an invitation, disable or enable, change role. Partners are
 * invited by their therapist with the couple; this list shows staff only. The admin sees names,
 * emails and roles — never check-in answers or notes.
 */
export default function UsersPage() {
  useDocumentTitle('Users');
  const { user: me } = useSession();
  const client = useQueryClient();
  const [role, setRole] = useState<'staff' | 'admin' | 'therapist'>('staff');
  const users = useQuery({
    queryKey: ['users', role],
    queryFn: async () => {
      const roles = role === 'staff' ? (['admin', 'therapist'] as const) : ([role] as const);
      const pages = await Promise.all(
        roles.map((r) => unwrap(api.GET('/v1/users', { params: { query: { role: r, limit: 200 } } }))),
      );
      return pages.flatMap((p) => p.data).sort((a, b) => a.name.localeCompare(b.name));
    },
  });
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['users'] });
    void client.invalidateQueries({ queryKey: ['clinic-caseloads'] });
  };

  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Schemas['UpdateUserRequest'] }) =>
      withReauth(() => unwrap(api.PATCH('/v1/users/{id}', { params: { path: { id } }, body }))),
    onSuccess: (user, { body }) => {
      setNotice(
        body.disabled === true
          ? `${user.name} can no longer sign in.`
          : body.disabled === false
            ? `${user.name} can sign in again.`
            : `${user.name} is now ${ROLE_LABEL[user.role].toLowerCase()}.`,
      );
      void refresh();
    },
  });
  const resend = useMutation({
    mutationFn: (id: string) =>
      withReauth(() => unwrap(api.POST('/v1/users/{id}/invitations', { params: { path: { id } } }))),
    onSuccess: (invited) => setNotice(`A new invitation was emailed to ${invited.user.email}.`),
  });
  const error = update.error ?? resend.error;

  return (
    <Stack gap="lg">
      <ReauthDialog />
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Title order={1}>Users</Title>
          <Text c="dimmed">Therapists and admins of the clinic. Partners are invited by their therapist.</Text>
        </Stack>
        <InviteUser onInvited={(text) => (setNotice(text), void refresh())} />
      </Group>
      <Select
        label="Show"
        w={220}
        data={[
          { value: 'staff', label: 'All staff' },
          { value: 'therapist', label: 'Therapists' },
          { value: 'admin', label: 'Admins' },
        ]}
        value={role}
        onChange={(value) => value && setRole(value as typeof role)}
        allowDeselect={false}
      />
      {notice ? (
        <Text role="status" c="teal.9" fw={600}>
          {notice}
        </Text>
      ) : null}
      <FormError message={error ? problemOf(error).plain : null} />
      <QueryState query={users} label="the users">
        {(list) => (
          <DataTable
            label="Users"
            minWidth={720}
            columns={['Name', 'Email', 'Role', 'Status', 'Since', 'Actions']}
            rows={list}
            rowKey={(user) => user.id}
            empty="No users here yet."
          >
            {(user) => (
              <>
                <Table.Th scope="row">{user.name}</Table.Th>
                <Table.Td>{user.email}</Table.Td>
                <Table.Td>
                  {user.id === me.id || user.role === 'client' ? (
                    ROLE_LABEL[user.role]
                  ) : (
                    <Select
                      aria-label={`Role of ${user.name}`}
                      w={140}
                      size="xs"
                      data={[
                        { value: 'therapist', label: 'Therapist' },
                        { value: 'admin', label: 'Admin' },
                      ]}
                      value={user.role}
                      allowDeselect={false}
                      onChange={(value) =>
                        value &&
                        value !== user.role &&
                        update.mutate({ id: user.id, body: { role: value as 'admin' | 'therapist' } })
                      }
                    />
                  )}
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={STATUS_COLOR[user.status]}>
                    {user.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDate(user.createdAt)}</Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    {user.status === 'invited' ? (
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => resend.mutate(user.id)}
                        aria-label={`Resend invitation to ${user.name}`}
                      >
                        Resend invitation
                      </Button>
                    ) : null}
                    {user.id === me.id ? null : user.status === 'disabled' ? (
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => update.mutate({ id: user.id, body: { disabled: false } })}
                        aria-label={`Enable ${user.name}`}
                      >
                        Enable
                      </Button>
                    ) : (
                      <Button
                        size="xs"
                        variant="outline"
                        color="red.9"
                        onClick={() => update.mutate({ id: user.id, body: { disabled: true } })}
                        aria-label={`Disable ${user.name}`}
                      >
                        Disable
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </>
            )}
          </DataTable>
        )}
      </QueryState>
    </Stack>
  );
}

function InviteUser({ onInvited }: { onInvited: (notice: string) => void }) {
  const [isOpen, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'therapist' | 'admin'>('therapist');
  const invite = useMutation({
    mutationFn: () =>
      withReauth(() => unwrap(api.POST('/v1/users', { body: { name: name.trim(), email: email.trim(), role } }))),
    onSuccess: (invited) => {
      setOpen(false);
      setName('');
      setEmail('');
      onInvited(`An invitation was emailed to ${invited.user.email}.`);
    },
  });
  const problem = invite.error ? problemOf(invite.error) : null;
  return (
    <>
      <Button onClick={() => setOpen(true)}>Invite a user</Button>
      <FormDialog
        opened={isOpen}
        onClose={() => setOpen(false)}
        title="Invite a user"
        onSubmit={() => invite.mutate()}
        submitLabel="Send invitation"
        isPending={invite.isPending}
        error={invite.error}
      >
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={problem?.forField('name')}
          required
        />
        <TextInput
          label="Email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={problem?.forField('email')}
          required
        />
        <Select
          label="Role"
          data={[
            { value: 'therapist', label: 'Therapist' },
            { value: 'admin', label: 'Admin' },
          ]}
          value={role}
          onChange={(value) => value && setRole(value as 'therapist' | 'admin')}
          allowDeselect={false}
        />
      </FormDialog>
    </>
  );
}

import { Button, Fieldset, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';

import { api, problemOf, unwrap } from '../api/client';
import { useSession } from '../auth/AuthProvider';
import { FormError } from '../components/FormError';
import { useDocumentTitle } from '../components/useDocumentTitle';
import { zonesWith } from '../zones';

interface PartnerForm {
  name: string;
  email: string;
  timezone: string;
}

export default function NewCouplePage() {
  useDocumentTitle('New couple');
  const { user, clinic } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const zone = user.timezone || clinic.timezone;
  const [label, setLabel] = useState('');
  const [partners, setPartners] = useState<PartnerForm[]>([
    { name: '', email: '', timezone: zone },
    { name: '', email: '', timezone: zone },
  ]);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string | undefined>>({});
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/couples', {
          body: {
            ...(label.trim() ? { label: label.trim() } : {}),
            partners: partners.map((p) => ({ name: p.name.trim(), email: p.email.trim(), timezone: p.timezone })),
          },
        }),
      ),
    onSuccess: async (couple) => {
      await client.invalidateQueries({ queryKey: ['caseload'] });
      navigate(`/couples/${couple.id}`);
    },
    onError: (error) => {
      const problem = problemOf(error);
      const found: Record<string, string | undefined> = {};
      for (const e of problem.errors) found[e.field] = problem.forField(e.field);
      setFieldErrors(found);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string | undefined> = {};
    partners.forEach((p, i) => {
      if (!p.name.trim()) found[`partners.${i}.name`] = 'Enter a name.';
      if (!/^\S+@\S+\.\S+$/.test(p.email.trim()))
        found[`partners.${i}.email`] = 'Enter an email address like name@example.com.';
    });
    setFieldErrors(found);
    if (Object.keys(found).length === 0) create.mutate();
  };

  const update = (index: number, key: keyof PartnerForm, value: string) =>
    setPartners((current) => current.map((p, i) => (i === index ? { ...p, [key]: value } : p)));

  const formProblem = create.isError && !problemOf(create.error).errors.length ? problemOf(create.error).plain : null;

  return (
    <Stack maw={760}>
      <Title order={1}>New couple</Title>
      <Text c="dimmed">
        Both partners get an email invitation to set a password. Their homework and reminders follow their own time
        zone.
      </Text>
      <FormError message={formProblem} />
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput
            label="Label (optional)"
            description="How the couple appears in your caseload; the partners’ names otherwise."
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
            maxLength={200}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {partners.map((partner, i) => (
              <Fieldset key={i} legend={`Partner ${i + 1}`}>
                <Stack gap="sm">
                  <TextInput
                    label="Name"
                    value={partner.name}
                    onChange={(e) => update(i, 'name', e.currentTarget.value)}
                    error={fieldErrors[`partners.${i}.name`]}
                    autoComplete="off"
                    required
                  />
                  <TextInput
                    label="Email"
                    type="email"
                    value={partner.email}
                    onChange={(e) => update(i, 'email', e.currentTarget.value)}
                    error={fieldErrors[`partners.${i}.email`]}
                    autoComplete="off"
                    required
                  />
                  <Select
                    label="Time zone"
                    data={zonesWith(partner.timezone)}
                    searchable
                    value={partner.timezone}
                    onChange={(value) => value && update(i, 'timezone', value)}
                    error={fieldErrors[`partners.${i}.timezone`]}
                    allowDeselect={false}
                    limit={50}
                  />
                </Stack>
              </Fieldset>
            ))}
          </SimpleGrid>
          <Group>
            <Button type="submit" loading={create.isPending}>
              Add couple and send invitations
            </Button>
            <Button component={Link} to="/" variant="default">
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

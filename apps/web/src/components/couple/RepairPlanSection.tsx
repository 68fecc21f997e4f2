import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  NativeSelect,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';

import { api, problemOf, unwrap, type Schemas } from '../../api/client';
import { useSession } from '../../auth/AuthProvider';
import { formatDate, formatDateTime } from '../../format';
import { FREQUENCIES, FREQUENCY_LABEL, periodLabel, type Agreement, type Frequency } from '../../repairPlan';
import { FormError } from '../FormError';
import { QueryState } from '../QueryState';

const RatingTrendChart = lazy(() => import('./RatingTrendChart'));
const COLORS = ['var(--mantine-color-mend-7)', 'var(--mantine-color-orange-8)'];

type Partner = { id: string; name: string };
const TREND: Record<string, string> = { improving: 'Improving', steady: 'Steady', declining: 'Declining' };
type AgreementProgress = Schemas['AgreementProgressResponse'];

/** An agreement being edited: `id` for one already in the plan, `key` to tell rows apart in the form. */
interface Draft {
  key: string;
  id?: string;
  text: string;
  partnerId: string | null;
  frequency: Frequency;
}

let draftKeys = 0;
const newKey = () => `draft-${++draftKeys}`;

export function keeperOf(agreement: { partnerId?: string | null }, partners: Partner[]): string {
  if (!agreement.partnerId) return 'Both partners';
  return partners.find((p) => p.id === agreement.partnerId)?.name ?? 'A partner';
}

/**
 * The couple's repair plan for its therapist: the agreements in reading order (what, who keeps
 * it, how often), each partner's latest rating and trend per agreement, the flags (rated low,
 * no longer fits), an editor that writes a new version, and the version history.
 */
export function RepairPlanSection({ coupleId, partners }: { coupleId: string; partners: Partner[] }) {
  const client = useQueryClient();
  const plan = useQuery({
    queryKey: ['couple', coupleId, 'repair-plan'],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}/repair-plan', { params: { path: { id: coupleId } } })),
  });
  const progress = useQuery({
    queryKey: ['couple', coupleId, 'repair-plan', 'progress'],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}/repair-plan/progress', { params: { path: { id: coupleId } } })),
  });
  const { user } = useSession();
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  const [showHistory, setShowHistory] = useState(false);

  const save = useMutation({
    mutationFn: (input: { baseVersion: number; agreements: Draft[] }) =>
      unwrap(
        api.PUT('/v1/couples/{id}/repair-plan', {
          params: { path: { id: coupleId } },
          body: {
            baseVersion: input.baseVersion,
            agreements: input.agreements.map((d) => ({
              ...(d.id ? { id: d.id } : {}),
              text: d.text,
              partnerId: d.partnerId,
              frequency: d.frequency,
            })),
          },
        }),
      ),
    onSuccess: async () => {
      setDrafts(null);
      await client.invalidateQueries({ queryKey: ['couple', coupleId, 'repair-plan'] });
    },
  });

  const edit = (agreements: Agreement[]) => {
    save.reset();
    setDrafts(
      agreements.map((a) => ({
        key: newKey(),
        id: a.id,
        text: a.text,
        partnerId: a.partnerId ?? null,
        frequency: a.frequency as Frequency,
      })),
    );
  };

  return (
    <section aria-labelledby="plan-heading">
      <Title order={2} fz="h3" id="plan-heading" mb="sm">
        Repair plan
      </Title>
      <QueryState query={plan} label="the repair plan">
        {(current) =>
          drafts ? (
            <PlanEditor
              drafts={drafts}
              partners={partners}
              onChange={setDrafts}
              onCancel={() => setDrafts(null)}
              onSave={() => save.mutate({ baseVersion: current.version, agreements: drafts })}
              isSaving={save.isPending}
              error={save.error ? planProblem(save.error) : null}
            />
          ) : (
            <Stack gap="md">
              <Group justify="space-between" align="center">
                <Text size="sm" c="dimmed">
                  {current.version === 0
                    ? 'No plan yet. Write down what the couple agreed with you: both partners read the whole plan and rate it each week.'
                    : `Version ${current.version}${current.changedAt ? `, changed ${formatDateTime(current.changedAt, user.timezone)}` : ''}. Both partners read the whole plan and rate each agreement weekly.`}
                </Text>
                <Button onClick={() => edit(current.agreements)}>
                  {current.version === 0 ? 'Write the plan' : 'Edit the plan'}
                </Button>
              </Group>
              {current.agreements.length > 0 ? (
                <QueryState query={progress} label="the ratings" lines={2}>
                  {(report) => (
                    <AgreementList items={report.agreements} partners={partners} lowThreshold={report.lowThreshold} />
                  )}
                </QueryState>
              ) : null}
              {current.version > 0 ? (
                <Stack gap="xs">
                  <Button
                    variant="subtle"
                    size="compact-sm"
                    style={{ alignSelf: 'flex-start' }}
                    aria-expanded={showHistory}
                    onClick={() => setShowHistory((v) => !v)}
                  >
                    {showHistory ? 'Hide version history' : 'Show version history'}
                  </Button>
                  {showHistory ? <VersionHistory coupleId={coupleId} partners={partners} /> : null}
                </Stack>
              ) : null}
            </Stack>
          )
        }
      </QueryState>
    </section>
  );
}

function planProblem(error: unknown): string {
  const problem = problemOf(error);
  if (problem.status === 409)
    return `${problem.plain} Cancel and open the plan again to see the latest version, then make your change.`;
  return problem.plain;
}

function AgreementList({
  items,
  partners,
  lowThreshold,
}: {
  items: AgreementProgress[];
  partners: Partner[];
  lowThreshold: number;
}) {
  const current = items.filter((i) => !i.isRetired);
  const retired = items.filter((i) => i.isRetired && i.partners.some((p) => p.ratings.length > 0));
  return (
    <Stack gap="sm">
      <Stack gap="sm" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {current.map((item, index) => (
          <li key={item.agreement.id}>
            <AgreementCard item={item} index={index} partners={partners} lowThreshold={lowThreshold} />
          </li>
        ))}
      </Stack>
      {retired.length > 0 ? (
        <Stack gap="xs">
          <Title order={3} fz="h5">
            Removed agreements (their ratings)
          </Title>
          {retired.map((item) => (
            <AgreementCard key={item.agreement.id} item={item} partners={partners} lowThreshold={lowThreshold} />
          ))}
        </Stack>
      ) : null}
    </Stack>
  );
}

function AgreementCard({
  item,
  index,
  partners,
  lowThreshold,
}: {
  item: AgreementProgress;
  index?: number;
  partners: Partner[];
  lowThreshold: number;
}) {
  const { user } = useSession();
  const a = item.agreement;
  const nameOf = (id: string) => partners.find((p) => p.id === id)?.name ?? 'Partner';
  const label = index === undefined ? a.text : `${index + 1}. ${a.text}`;
  return (
    <Card withBorder padding="md" component="article" aria-label={`Agreement: ${a.text}`}>
      <Stack gap="xs">
        <Text fw={600}>{label}</Text>
        {item.isLow || item.needsReview ? (
          <Group gap={6}>
            {item.isLow ? (
              <Badge color="red.9" variant="filled">
                Rated low
              </Badge>
            ) : null}
            {item.needsReview ? (
              <Badge color="dark" variant="outline">
                No longer fits
              </Badge>
            ) : null}
          </Group>
        ) : null}
        <Text size="sm">
          Kept by {keeperOf(a, partners)} · {FREQUENCY_LABEL[a.frequency as Frequency] ?? a.frequency}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          {item.partners.map((series, i) => {
            const latest = series.latest;
            const name = nameOf(series.partnerId);
            return (
              <Stack key={series.partnerId} gap={2} role="group" aria-label={`${name}'s ratings`}>
                <Text size="sm" fw={600}>
                  {name}
                </Text>
                {latest ? (
                  <>
                    <Text size="sm" fw={latest.kept <= lowThreshold ? 700 : 400}>
                      Latest: {latest.kept} of 10{latest.stillFits ? '' : ' · no longer fits'}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {periodLabel(latest.period)} · rated {formatDate(latest.ratedAt, user.timezone)}
                    </Text>
                    {latest.note ? (
                      <Text size="xs" fs="italic">
                        “{latest.note}”
                      </Text>
                    ) : null}
                    <Group gap="xs" wrap="nowrap">
                      {series.ratings.length >= 2 ? (
                        <Suspense fallback={<Skeleton h={32} w={120} />}>
                          <RatingTrendChart
                            values={series.ratings.map((r) => r.kept)}
                            color={COLORS[i % COLORS.length]!}
                          />
                        </Suspense>
                      ) : null}
                      <Text size="sm">
                        {series.trend === null
                          ? 'One rating so far'
                          : `${TREND[series.trend] ?? series.trend} (${series.ratings.map((r) => r.kept).join(' → ')})`}
                      </Text>
                    </Group>
                  </>
                ) : (
                  <Text size="sm" c="dimmed">
                    Not rated yet
                  </Text>
                )}
              </Stack>
            );
          })}
        </SimpleGrid>
      </Stack>
    </Card>
  );
}

function PlanEditor({
  drafts,
  partners,
  onChange,
  onCancel,
  onSave,
  isSaving,
  error,
}: {
  drafts: Draft[];
  partners: Partner[];
  onChange: (drafts: Draft[]) => void;
  onCancel: () => void;
  onSave: () => void;
  isSaving: boolean;
  error: string | null;
}) {
  const update = (key: string, change: Partial<Draft>) =>
    onChange(drafts.map((d) => (d.key === key ? { ...d, ...change } : d)));
  const move = (index: number, by: -1 | 1) => {
    const next = [...drafts];
    const [item] = next.splice(index, 1);
    next.splice(index + by, 0, item!);
    onChange(next);
  };
  const keepers = [{ value: '', label: 'Both partners' }, ...partners.map((p) => ({ value: p.id, label: p.name }))];
  const isBlank = drafts.some((d) => !d.text.trim());
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onSave();
      }}
      aria-label="Edit the repair plan"
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          Saving writes a new version; the earlier ones stay in the history, and ratings of removed agreements stay
          readable.
        </Text>
        {drafts.length === 0 ? <Text>No agreements. Add the first one.</Text> : null}
        <Stack gap="sm" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {drafts.map((draft, index) => (
            <li key={draft.key}>
              <Card withBorder padding="md">
                <Stack gap="sm">
                  <Textarea
                    label={`Agreement ${index + 1}`}
                    description="What was agreed, in the couple's words"
                    value={draft.text}
                    maxLength={500}
                    autosize
                    minRows={2}
                    required
                    onChange={(e) => update(draft.key, { text: e.currentTarget.value })}
                  />
                  <Group grow align="flex-start">
                    <NativeSelect
                      label="Who keeps it"
                      data={keepers}
                      value={draft.partnerId ?? ''}
                      onChange={(e) => update(draft.key, { partnerId: e.currentTarget.value || null })}
                    />
                    <NativeSelect
                      label="How often"
                      data={FREQUENCIES.map((f) => ({ value: f, label: FREQUENCY_LABEL[f] }))}
                      value={draft.frequency}
                      onChange={(e) => update(draft.key, { frequency: e.currentTarget.value as Frequency })}
                    />
                  </Group>
                  <Group gap="xs" justify="flex-end">
                    <ActionIcon
                      variant="default"
                      size="lg"
                      aria-label={`Move agreement ${index + 1} up`}
                      disabled={index === 0}
                      onClick={() => move(index, -1)}
                    >
                      ↑
                    </ActionIcon>
                    <ActionIcon
                      variant="default"
                      size="lg"
                      aria-label={`Move agreement ${index + 1} down`}
                      disabled={index === drafts.length - 1}
                      onClick={() => move(index, 1)}
                    >
                      ↓
                    </ActionIcon>
                    <Button
                      variant="default"
                      color="red"
                      onClick={() => onChange(drafts.filter((d) => d.key !== draft.key))}
                      aria-label={`Remove agreement ${index + 1}`}
                    >
                      Remove
                    </Button>
                  </Group>
                </Stack>
              </Card>
            </li>
          ))}
        </Stack>
        <Button
          variant="default"
          style={{ alignSelf: 'flex-start' }}
          onClick={() =>
            onChange([...drafts, { key: newKey(), text: '', partnerId: null, frequency: 'weekly' as Frequency }])
          }
        >
          Add an agreement
        </Button>
        <FormError message={error} />
        <Group>
          <Button type="submit" loading={isSaving} disabled={isBlank}>
            Save the plan
          </Button>
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function VersionHistory({ coupleId, partners }: { coupleId: string; partners: Partner[] }) {
  const { user } = useSession();
  const versions = useQuery({
    queryKey: ['couple', coupleId, 'repair-plan', 'versions'],
    queryFn: () => unwrap(api.GET('/v1/couples/{id}/repair-plan/versions', { params: { path: { id: coupleId } } })),
  });
  return (
    <QueryState query={versions} label="the version history" lines={2}>
      {(list) => (
        <Stack gap="sm" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Versions">
          {list.data.map((version, i) => {
            const before = list.data[i + 1];
            const textOf = (id: string) =>
              version.agreements.find((a) => a.id === id)?.text ??
              before?.agreements.find((a) => a.id === id)?.text ??
              'an agreement';
            return (
              <li key={version.version}>
                <Card withBorder padding="sm">
                  <Stack gap={4}>
                    <Text fw={600} size="sm">
                      Version {version.version} · {formatDateTime(version.changedAt ?? '', user.timezone)}
                    </Text>
                    {version.changes.length === 0 ? (
                      <Text size="sm">New order.</Text>
                    ) : (
                      version.changes.map((c) => (
                        <Text size="sm" key={`${c.change}-${c.agreementId}`}>
                          {c.change === 'added' ? 'Added' : c.change === 'changed' ? 'Changed' : 'Removed'}: “
                          {textOf(c.agreementId)}”
                        </Text>
                      ))
                    )}
                    <Text size="xs" c="dimmed">
                      {version.agreements.length === 1 ? '1 agreement' : `${version.agreements.length} agreements`}:{' '}
                      {version.agreements.map((a) => `${a.text} (${keeperOf(a, partners)})`).join(' · ')}
                    </Text>
                  </Stack>
                </Card>
              </li>
            );
          })}
        </Stack>
      )}
    </QueryState>
  );
}

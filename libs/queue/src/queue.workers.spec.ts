import { assertValidJobId, JOB_POLICIES, outboxJobId } from './job-options.js';
import { QueueProcessor, type JobHandlers } from './queue.processor.js';
import { ALL_JOBS, JobName, QueueName } from './queue.registry.js';
import { assertProcessorsMatchRegistry } from './queue.workers.js';

type Notifications = typeof QueueName.Notifications;

class NotificationsProbe extends QueueProcessor<Notifications> {
  readonly queueName = QueueName.Notifications;
  protected readonly handlers: JobHandlers<Notifications> = {
    [JobName.InvitationEmail]: async () => undefined,
    [JobName.PasswordResetEmail]: async () => undefined,
    [JobName.LoginFailuresEmail]: async () => undefined,
    [JobName.ReminderSend]: async () => undefined,
  };
}

type Maintenance = typeof QueueName.Maintenance;

class MaintenanceProbe extends QueueProcessor<Maintenance> {
  readonly queueName = QueueName.Maintenance;
  protected readonly handlers: JobHandlers<Maintenance> = {
    [JobName.ProgressRefresh]: async () => undefined,
    [JobName.RemindersReconcile]: async () => undefined,
    [JobName.ExpiredRowsPurge]: async () => undefined,
  };
}

class WebhooksProbe extends QueueProcessor<typeof QueueName.Webhooks> {
  readonly queueName = QueueName.Webhooks;
  protected readonly handlers: JobHandlers<typeof QueueName.Webhooks> = {
    [JobName.WebhookFanout]: async () => undefined,
    [JobName.WebhookDelivery]: async () => undefined,
  };
}

class IntegrationsProbe extends QueueProcessor<typeof QueueName.Integrations> {
  readonly queueName = QueueName.Integrations;
  protected readonly handlers: JobHandlers<typeof QueueName.Integrations> = {
    [JobName.InboundEventProcess]: async () => undefined,
  };
}

class LooseProcessor extends QueueProcessor<Notifications> {
  readonly queueName = QueueName.Notifications;
  constructor(protected readonly handlers: JobHandlers<Notifications>) {
    super();
  }
}

describe('assertProcessorsMatchRegistry', () => {
  it('accepts one processor per queue covering exactly its jobs', () => {
    expect(() =>
      assertProcessorsMatchRegistry([
        new NotificationsProbe(),
        new MaintenanceProbe(),
        new WebhooksProbe(),
        new IntegrationsProbe(),
      ]),
    ).not.toThrow();
  });

  it('reports a queue without a processor', () => {
    expect(() => assertProcessorsMatchRegistry([])).toThrow(
      /queue notifications has no processor for invitation\.email/,
    );
  });

  it('reports two processors for one queue', () => {
    expect(() =>
      assertProcessorsMatchRegistry([new NotificationsProbe(), new NotificationsProbe(), new MaintenanceProbe()]),
    ).toThrow(/has 2 processors/);
  });

  it('reports missing and unknown handlers', () => {
    const broken = new LooseProcessor({
      'reminder.unknown': async () => undefined,
    } as unknown as JobHandlers<Notifications>);
    expect(() => assertProcessorsMatchRegistry([broken])).toThrow(
      /no handler for invitation\.email[\s\S]*handles reminder\.unknown/,
    );
  });
});

describe('job ids', () => {
  it('are deterministic and free of ":" for every registry job', () => {
    const clinicId = '0190f7a1-0000-7000-8000-000000000001';
    for (const name of ALL_JOBS) {
      const id = JOB_POLICIES[name].jobId({
        clinicId,
        invitationId: '0190f7a1-0000-7000-8000-000000000002',
        resetId: '0190f7a1-0000-7000-8000-000000000007',
        userId: '0190f7a1-0000-7000-8000-000000000008',
        coupleId: '0190f7a1-0000-7000-8000-000000000004',
        eventId: '0190f7a1-0000-7000-8000-000000000005',
        deliveryId: '0190f7a1-0000-7000-8000-000000000006',
        attempt: 1,
        notificationId: '0190f7a1-0000-7000-8000-000000000007',
      });
      expect(() => assertValidJobId(id)).not.toThrow();
      expect(JOB_POLICIES[name].options.removeOnComplete).toEqual({ age: 86400 });
    }
    expect(() => assertValidJobId(outboxJobId(clinicId, '0190f7a1-0000-7000-8000-000000000003'))).not.toThrow();
  });

  it('rejects ":" and integer-like ids', () => {
    expect(() => assertValidJobId('a:b')).toThrow();
    expect(() => assertValidJobId('12345')).toThrow();
  });
});

import { JOB_POLICIES, assertValidJobId, outboxJobId } from './job-options.js';
import { QueueProcessor, type JobHandlers } from './queue.processor.js';
import { assertProcessorsMatchRegistry } from './queue.workers.js';
import { ALL_JOBS, JobName, QueueName } from './queue.registry.js';

type Notifications = typeof QueueName.Notifications;

class NotificationsProbe extends QueueProcessor<Notifications> {
  readonly queueName = QueueName.Notifications;
  protected readonly handlers: JobHandlers<Notifications> = { [JobName.InvitationEmail]: async () => undefined };
}

type Maintenance = typeof QueueName.Maintenance;

class MaintenanceProbe extends QueueProcessor<Maintenance> {
  readonly queueName = QueueName.Maintenance;
  protected readonly handlers: JobHandlers<Maintenance> = { [JobName.ProgressRefresh]: async () => undefined };
}

class LooseProcessor extends QueueProcessor<Notifications> {
  readonly queueName = QueueName.Notifications;
  constructor(protected readonly handlers: JobHandlers<Notifications>) {
    super();
  }
}

describe('assertProcessorsMatchRegistry', () => {
  it('accepts one processor per queue covering exactly its jobs', () => {
    expect(() => assertProcessorsMatchRegistry([new NotificationsProbe(), new MaintenanceProbe()])).not.toThrow();
  });

  it('reports a queue without a processor', () => {
    expect(() => assertProcessorsMatchRegistry([])).toThrow(/queue notifications has no processor for invitation\.email/);
  });

  it('reports two processors for one queue', () => {
    expect(() => assertProcessorsMatchRegistry([new NotificationsProbe(), new NotificationsProbe(), new MaintenanceProbe()])).toThrow(/has 2 processors/);
  });

  it('reports missing and unknown handlers', () => {
    const broken = new LooseProcessor({ 'reminder.unknown': async () => undefined } as unknown as JobHandlers<Notifications>);
    expect(() => assertProcessorsMatchRegistry([broken])).toThrow(/no handler for invitation\.email[\s\S]*handles reminder\.unknown/);
  });
});

describe('job ids', () => {
  it('are deterministic and free of ":" for every registry job', () => {
    const clinicId = '0190f7a1-0000-7000-8000-000000000001';
    for (const name of ALL_JOBS) {
      const id = JOB_POLICIES[name].jobId({ clinicId, invitationId: '0190f7a1-0000-7000-8000-000000000002', coupleId: '0190f7a1-0000-7000-8000-000000000004' });
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

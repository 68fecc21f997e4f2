import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { ASSIGNMENT_STATUSES, OCCURRENCE_STATES } from '@mend/homework';

import { OnceScheduleDto, RecurringScheduleDto, SCHEDULE_SCHEMA } from './assignments.request.js';

const OPENS_PROPERTY = {
  enum: ['on_assign', 'window'],
  example: 'window',
  description:
    'When occurrences open for check-ins: on_assign (a one-off, such as a letter: from when it was assigned) or window (recurring: 24 hours before each due time)',
};

export class ReminderSettingsResponse {
  @ApiProperty({ example: true }) isEnabled: boolean;
  @ApiPropertyOptional({
    example: 120,
    nullable: true,
    type: Number,
    description: "Minutes before the due time; null: the clinic's lead (homeworkLeadMinutes, default 120)",
  })
  minutesBefore: number | null;
  @ApiPropertyOptional({ example: 180, nullable: true, type: Number, description: 'null: the clinic default' })
  overdueAfterMinutes: number | null;
}

@ApiExtraModels(OnceScheduleDto, RecurringScheduleDto)
export class AssignmentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ format: 'uuid' }) exerciseId: string;
  @ApiProperty({ example: 1, description: 'The exercise version given; later edits of the exercise do not change it' })
  exerciseVersion: number;
  @ApiProperty({ example: 'Daily trust pulse' }) title: string;
  @ApiProperty({ example: 'measure' }) category: string;
  @ApiProperty({
    enum: ['individual', 'joint'],
    description: 'individual: each partner checks in; joint: one check-in for the couple',
  })
  mode: string;
  @ApiProperty({
    ...SCHEDULE_SCHEMA,
    example: { type: 'recurring', rrule: 'FREQ=DAILY;BYHOUR=20;BYMINUTE=0', startsOn: '2025-03-01', until: null },
  })
  schedule: OnceScheduleDto | RecurringScheduleDto;
  @ApiProperty({ ...OPENS_PROPERTY }) opens: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: "The therapist's note; not shown to admins",
    example: 'Each on your own, after dinner.',
  })
  instructions?: string | null;
  @ApiProperty({ type: ReminderSettingsResponse }) reminders: ReminderSettingsResponse;
  @ApiProperty({
    example: false,
    description:
      "A partner's shared answers reach the other partner only once both have answered (or the occurrence closed)",
  })
  revealTogether: boolean;
  @ApiPropertyOptional({
    format: 'uuid',
    type: String,
    nullable: true,
    description:
      'The one partner it was given to (null: both). Private to that partner: the other partner never sees it, and its answers are never shared',
  })
  partnerId: string | null;
  @ApiProperty({
    example: false,
    description: 'Its answers are always private (it was given to one partner): the partner is offered no share choice',
  })
  isAlwaysPrivate: boolean;
  @ApiProperty({ enum: ASSIGNMENT_STATUSES, example: 'active' }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: Date;
  @ApiProperty({ format: 'date-time' }) updatedAt: Date;
}

export class AssignmentPageResponse {
  @ApiProperty({ type: [AssignmentResponse] }) data: AssignmentResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class OccurrenceResponse {
  @ApiProperty({
    format: 'date-time',
    example: '2025-03-09T20:00:00.000Z',
    description: 'Due time; send it back as occurrenceAt to check in',
  })
  dueAt: Date;
  @ApiProperty({
    format: 'date-time',
    description:
      'Check-ins are accepted from here: a one-off from when it was assigned, a recurring occurrence 24 hours before its due time',
  })
  opensAt: Date;
  @ApiProperty({
    format: 'date-time',
    description: "A check-in from here on is late: the end of the partner's local day of the due time (the grace)",
  })
  lateAfter: Date;
  @ApiProperty({
    format: 'date-time',
    description: 'Check-ins are accepted until here (72 hours after the due time); later it is missed',
  })
  closesAt: Date;
  @ApiProperty({
    enum: OCCURRENCE_STATES,
    example: 'due',
    description: 'upcoming: not open yet; due: open, not done; done: checked in; missed: closed without a check-in',
  })
  state: string;
  @ApiProperty({
    example: false,
    description:
      "Past the grace (the end of the partner's local day of the due time) and still open: a check-in now is accepted and marked late",
  })
  isOverdue: boolean;
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Whose occurrence; null for a joint exercise (one for the couple)',
  })
  partnerId: string | null;
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The check-in, when you may read it (yours, or a shared one)',
  })
  checkInId: string | null;
}

export class ClientAssignmentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) exerciseId: string;
  @ApiProperty({ example: 1 }) exerciseVersion: number;
  @ApiProperty({ example: 'Daily trust pulse' }) title: string;
  @ApiProperty({ example: 'measure' }) category: string;
  @ApiProperty({ enum: ['individual', 'joint'] }) mode: string;
  @ApiProperty({ example: 'Take one minute each evening to rate how much you trust your partner today…' })
  exerciseInstructions: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'Each on your own, after dinner.' }) instructions:
    string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The check-in form of the version assigned: typed fields (scale, text, boolean, choice, multi)',
    example: {
      fields: [
        {
          key: 'trust',
          type: 'scale',
          label: 'How much do you trust your partner today?',
          required: true,
          min: 0,
          max: 10,
        },
      ],
    },
  })
  form: Record<string, unknown>;
  @ApiProperty({ ...SCHEDULE_SCHEMA }) schedule: OnceScheduleDto | RecurringScheduleDto;
  @ApiProperty({ ...OPENS_PROPERTY }) opens: string;
  @ApiProperty({ enum: ASSIGNMENT_STATUSES }) status: string;
  @ApiProperty({
    example: false,
    description:
      'Reveal together: your shared answers reach your partner only once you have both answered that occurrence (or it closed), and theirs reach you the same way',
  })
  revealTogether: boolean;
  @ApiPropertyOptional({
    format: 'uuid',
    type: String,
    nullable: true,
    description:
      'Given to you alone (your id), or null: to both of you. One given to you alone is not shown to your partner',
  })
  partnerId: string | null;
  @ApiProperty({
    example: false,
    description: 'Your answers are always private: only your therapist reads them (there is no share choice)',
  })
  isAlwaysPrivate: boolean;
  @ApiProperty({
    type: [OccurrenceResponse],
    description: "Your occurrences (and the couple's joint ones) of the last 14 days and the next 14 days",
  })
  occurrences: OccurrenceResponse[];
}

export class ClientAssignmentListResponse {
  @ApiProperty({ type: [ClientAssignmentResponse] }) data: ClientAssignmentResponse[];
}

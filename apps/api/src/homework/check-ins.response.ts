import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { CHECK_IN_VISIBILITIES } from '@mend/homework';

const ANSWERS_EXAMPLE = { trust: 7, safety: 6, note: 'We talked about the budget calmly.' };

export class ScoreResponse {
  @ApiProperty({ enum: ['trust_pulse', 'csi4', 'safety_screen'] }) kind: string;
  @ApiProperty({
    example: 7,
    description:
      'trust_pulse: the trust reading; csi4: the total (0–21); safety_screen: how many answers indicate danger',
  })
  value: number;
  @ApiPropertyOptional({ example: 6, description: 'trust_pulse: the emotional-safety reading (0–10), when watched' })
  safety?: number;
  @ApiPropertyOptional({ example: false, description: 'csi4: below the distress cut-off' }) isBelowCutoff?: boolean;
  @ApiPropertyOptional({ example: 13.5 }) cutoff?: number;
  @ApiPropertyOptional({
    example: false,
    description: 'safety_screen: at least one answer indicates danger (a safety concern opened)',
  })
  isSafetyConcern?: boolean;
}

export class RevealResponse {
  @ApiProperty({
    example: false,
    description: 'Your partner can read it now (they have answered too, or their occurrence closed)',
  })
  isRevealed: boolean;
  @ApiProperty({
    format: 'date-time',
    description: 'The latest time your partner sees it: when their own occurrence closes, answered or not',
  })
  revealsAt: Date;
}

export class CheckInResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) assignmentId: string;
  @ApiProperty({ format: 'uuid' }) coupleId: string;
  @ApiProperty({ format: 'date-time', description: 'Due time of the occurrence answered' }) occurrenceAt: Date;
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Whose occurrence; null for a joint exercise',
  })
  partnerId: string | null;
  @ApiProperty({ format: 'uuid', description: 'The partner who checked in' }) authorId: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: ANSWERS_EXAMPLE }) answers: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ type: ScoreResponse, nullable: true, description: 'For scored measures (trust pulse, CSI-4)' })
  score: ScoreResponse | null;
  @ApiProperty({ enum: CHECK_IN_VISIBILITIES }) visibility: string;
  @ApiProperty({ example: false, description: 'Submitted after the due time (but before the occurrence closed)' })
  isLate: boolean;
  @ApiProperty({ format: 'date-time' }) submittedAt: Date;
  @ApiPropertyOptional({
    example: 'If you are in danger right now, call 112. Crisis line (24 h): 0800 111 0111.',
    description:
      "Only in the answer to the author's own submission, when their safety answer was at or below the clinic's threshold " +
      '(or an answer of the safety check indicated danger): ' +
      "the clinic's crisis resources. Never shown to the other partner.",
  })
  crisisResources?: string;
  @ApiPropertyOptional({
    type: RevealResponse,
    description:
      'Only in the answer to your own submission of a shared check-in of a reveal-together assignment: when your partner will see it ' +
      '(once they have answered too, or at revealsAt at the latest).',
  })
  reveal?: RevealResponse;
}

export class CheckInPageResponse {
  @ApiProperty({ type: [CheckInResponse] }) data: CheckInResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

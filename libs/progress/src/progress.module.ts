import { Module } from '@nestjs/common';

import { CaseloadsService } from './caseloads.service.js';
import { ProgressService } from './progress.service.js';

@Module({ providers: [ProgressService, CaseloadsService], exports: [ProgressService, CaseloadsService] })
export class ProgressModule {}

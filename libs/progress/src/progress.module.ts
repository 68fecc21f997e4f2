import { Global, Module } from '@nestjs/common';

import { CheckInHooks } from '@mend/homework';

import { CaseloadsService } from './caseloads.service.js';
import { ProgressService } from './progress.service.js';
import { RepairPlanService } from './repair-plan.service.js';
import { SafetyService } from './safety.service.js';

/** Global so homework's check-ins reach the safety watch (CheckInHooks) without importing progress. */
@Global()
@Module({
  providers: [
    ProgressService,
    CaseloadsService,
    SafetyService,
    RepairPlanService,
    { provide: CheckInHooks, useExisting: SafetyService },
  ],
  exports: [ProgressService, CaseloadsService, SafetyService, RepairPlanService, CheckInHooks],
})
export class ProgressModule {}

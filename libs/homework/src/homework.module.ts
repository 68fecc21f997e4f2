import { Module } from '@nestjs/common';

import { AssignmentsService } from './assignments.service.js';
import { CheckInsService } from './check-ins.service.js';

/** Assignments, their occurrences and check-ins; shared by the API and (for materialisation) the worker. */
@Module({ providers: [AssignmentsService, CheckInsService], exports: [AssignmentsService, CheckInsService] })
export class HomeworkModule {}

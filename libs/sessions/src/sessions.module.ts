import { Module } from '@nestjs/common';

import { HomeworkModule } from '@mend/homework';

import { SessionsService } from './sessions.service.js';

@Module({ imports: [HomeworkModule], providers: [SessionsService], exports: [SessionsService] })
export class SessionsModule {}

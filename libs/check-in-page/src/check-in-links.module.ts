import { Module } from '@nestjs/common';

import { AuthModule } from '@mend/auth';
import { HomeworkModule } from '@mend/homework';

import { CheckInLinksService } from './check-in-links.service.js';
import { CheckInPageService } from './check-in-page.service.js';

/** Issuing and revoking check-in links: what the worker needs to put a link in a reminder email. */
@Module({ providers: [CheckInLinksService], exports: [CheckInLinksService] })
export class CheckInLinksModule {}

/** The client check-in page the links lead to (API only): rate-limited, submits through CheckInsService. */
@Module({
  imports: [AuthModule, HomeworkModule, CheckInLinksModule],
  providers: [CheckInPageService],
  exports: [CheckInPageService, CheckInLinksModule],
})
export class CheckInPageModule {}

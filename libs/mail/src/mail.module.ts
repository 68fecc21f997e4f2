import { Global, Module } from '@nestjs/common';

import { MailerService } from './mailer.service.js';

/** Provides MailerService (needs ConfigModule.forRoot). */
@Global()
@Module({ providers: [MailerService], exports: [MailerService] })
export class MailModule {}

import { Module } from '@nestjs/common';

import { IdentityModule } from '@mend/identity';

import { CoupleRecordsService } from './couple-records.service.js';
import { CouplesService } from './couples.service.js';

@Module({
  imports: [IdentityModule],
  providers: [CouplesService, CoupleRecordsService],
  exports: [CouplesService, CoupleRecordsService],
})
export class CouplesModule {}

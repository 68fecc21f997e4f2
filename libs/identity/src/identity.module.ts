import { Module } from '@nestjs/common';

import { ClinicService } from './clinic.service.js';
import { UsersService } from './users.service.js';

@Module({ providers: [UsersService, ClinicService], exports: [UsersService, ClinicService] })
export class IdentityModule {}

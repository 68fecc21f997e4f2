import { Module } from '@nestjs/common';

import { ExercisesService } from './exercises.service.js';

@Module({ providers: [ExercisesService], exports: [ExercisesService] })
export class ExercisesModule {}

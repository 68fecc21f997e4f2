import { CreateFoundation1764086400000 } from './1764086400000-CreateFoundation.js';
import { CreateClinicalCore1764172800000 } from './1764172800000-CreateClinicalCore.js';

/** Every migration, in order. Listed explicitly so bundled builds and the CLI see the same set. */
export const migrations = [CreateFoundation1764086400000, CreateClinicalCore1764172800000];

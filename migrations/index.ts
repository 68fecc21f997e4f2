import { CreateFoundation1764086400000 } from './1764086400000-CreateFoundation.js';
import { CreateClinicalCore1764172800000 } from './1764172800000-CreateClinicalCore.js';
import { CreateNotifications1764259200000 } from './1764259200000-CreateNotifications.js';
import { CreateIntegrations1764345600000 } from './1764345600000-CreateIntegrations.js';
import { CreateCheckInLinks1764432000000 } from './1764432000000-CreateCheckInLinks.js';
import { AddBenchmarkIndexes1764518400000 } from './1764518400000-AddBenchmarkIndexes.js';
import { SpeedUpReadPaths1764604800000 } from './1764604800000-SpeedUpReadPaths.js';
import { AddRemindersOffSkipReason1764691200000 } from './1764691200000-AddRemindersOffSkipReason.js';
import { AddClock1764780000000 } from './1764780000000-AddClock.js';
import { AddSafetyAndAlertLifecycle1764781300000 } from './1764781300000-AddSafetyAndAlertLifecycle.js';
import { AddAccountSecurity1764800000000 } from './1764800000000-AddAccountSecurity.js';
import { KeepOnlyIdsInIdempotencyRecords1764810000000 } from './1764810000000-KeepOnlyIdsInIdempotencyRecords.js';
import { AddSessionSequence1764820000000 } from './1764820000000-AddSessionSequence.js';
import { AddWebhookEndpointManagement1764830000000 } from './1764830000000-AddWebhookEndpointManagement.js';
import { AddInboundEventAdmin1764840000000 } from './1764840000000-AddInboundEventAdmin.js';
import { AddMfaChallengesAndReassignments1764850000000 } from './1764850000000-AddMfaChallengesAndReassignments.js';
import { AddOccurrenceOpeningAndGrace1764860000000 } from './1764860000000-AddOccurrenceOpeningAndGrace.js';
import { AddRevealTogether1764870000000 } from './1764870000000-AddRevealTogether.js';
import { CreateRepairPlan1764871000000 } from './1764871000000-CreateRepairPlan.js';
import { AddCsi4ScoreIndex1764900000000 } from './1764900000000-AddCsi4ScoreIndex.js';
import { AddSinglePartnerAssignments1765000000000 } from './1765000000000-AddSinglePartnerAssignments.js';
import { AddPlanRatingReminders1765010000000 } from './1765010000000-AddPlanRatingReminders.js';
import { AddProgressWindowTotals1765050000000 } from './1765050000000-AddProgressWindowTotals.js';
import { IndexUnansweredByLateAfter1765060000000 } from './1765060000000-IndexUnansweredByLateAfter.js';
import { AddSafetyScreenIndex1765070000000 } from './1765070000000-AddSafetyScreenIndex.js';
import { CacheAccessRolePlans1765080000000 } from './1765080000000-CacheAccessRolePlans.js';

/** Every migration, in order. Listed explicitly so bundled builds and the CLI see the same set. */
export const migrations = [
  CreateFoundation1764086400000,
  CreateClinicalCore1764172800000,
  CreateNotifications1764259200000,
  CreateIntegrations1764345600000,
  CreateCheckInLinks1764432000000,
  AddBenchmarkIndexes1764518400000,
  SpeedUpReadPaths1764604800000,
  AddRemindersOffSkipReason1764691200000,
  AddClock1764780000000,
  AddSafetyAndAlertLifecycle1764781300000,
  AddAccountSecurity1764800000000,
  KeepOnlyIdsInIdempotencyRecords1764810000000,
  AddSessionSequence1764820000000,
  AddWebhookEndpointManagement1764830000000,
  AddInboundEventAdmin1764840000000,
  AddMfaChallengesAndReassignments1764850000000,
  AddOccurrenceOpeningAndGrace1764860000000,
  AddRevealTogether1764870000000,
  CreateRepairPlan1764871000000,
  AddCsi4ScoreIndex1764900000000,
  AddSinglePartnerAssignments1765000000000,
  AddPlanRatingReminders1765010000000,
  AddProgressWindowTotals1765050000000,
  IndexUnansweredByLateAfter1765060000000,
  AddSafetyScreenIndex1765070000000,
  CacheAccessRolePlans1765080000000,
];

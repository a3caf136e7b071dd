export { isClosedStatus } from '../../core/model.ts';
import { INCIDENT_STATUSES, MAINTENANCE_STATUSES } from '../../core/model.ts';
export const STORY_STATUSES_FOR_TEST: readonly string[] = [...INCIDENT_STATUSES, ...MAINTENANCE_STATUSES];

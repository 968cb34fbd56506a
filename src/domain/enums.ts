/**
 * @module
 * Every enumeration of the DYI Export API, spelled exactly as on the wire. Each list is a
 * `const` tuple so that validation (zod), documentation and exhaustive `switch`es share one
 * source of truth.
 */

/** Data types an export can include (spec: "Data types field values"). */
export const DATA_TYPES = [
  'WORKPLACE_COMPANY_METADATA_GROUPS',
  'WORKPLACE_COMPANY_METADATA_USER_PROFILE',
  'WORKPLACE_COMPANY_METADATA_COMPANY_INFO',
  'SAVED_ITEMS_YOUR_ACTIVITY',
  'MESSENGER_V2',
  'POSTS_YOUR_ACTIVITY',
  'EVENTS_YOUR_ACTIVITY',
  'COMMENTS_REACTIONS_YOUR_ACTIVITY',
  'REPORTED_PROBLEMS_YOUR_ACTIVITY',
  'GROUPS_YOUR_ACTIVITY',
  'WORKPLACE_SURVEYS',
  'WORKPLACE_KNOWLEDGE_LIBRARY',
  'WORKPLACE_NOTES',
  'POLLS_YOUR_ACTIVITY',
  'PROFILE_PERSONAL_INFO',
  'FRIENDS_V2',
  'SEARCH_LOGGED_INFO',
  'SECURITY_AND_LOGIN_INFORMATION_V',
] as const;
export type DataType = (typeof DATA_TYPES)[number];

/**
 * Data types rendered once per export by the company job; every other type is rendered per
 * user by that user's job (ARCHITECTURE.md, "Job split").
 */
export const COMPANY_DATA_TYPES: readonly DataType[] = [
  'WORKPLACE_COMPANY_METADATA_GROUPS',
  'WORKPLACE_COMPANY_METADATA_USER_PROFILE',
  'WORKPLACE_COMPANY_METADATA_COMPANY_INFO',
  'WORKPLACE_KNOWLEDGE_LIBRARY',
  'WORKPLACE_SURVEYS',
];

export function isCompanyDataType(type: DataType): boolean {
  return COMPANY_DATA_TYPES.includes(type);
}

/** Output formats of the files an export produces. */
export const DYI_FORMATS = ['JSON', 'HTML', 'NONE', 'HTML_AND_JSON', 'CSV'] as const;
export type DyiFormat = (typeof DYI_FORMATS)[number];

/** Media quality, from smallest to original bytes. */
export const MEDIA_QUALITIES = ['VERY_LOW', 'LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH'] as const;
export type MediaQuality = (typeof MEDIA_QUALITIES)[number];

/** Why a job ended without its files. */
export const ABORT_REASONS = [
  'TARGET_NOT_VISIBLE',
  'CANCELLED_BY_USER',
  'ARCHIVE_TOO_BIG',
] as const;
export type AbortReason = (typeof ABORT_REASONS)[number];

/** Life cycle of one DYI job; the last three are final. */
export const JOB_STATES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'ABORTED', 'FAILED'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_JOB_STATES: readonly JobState[] = ['COMPLETED', 'ABORTED', 'FAILED'];

export function isFinalJobState(state: JobState): boolean {
  return FINAL_JOB_STATES.includes(state);
}

/** A company job renders company-scoped data; a user job renders one member's data. */
export const JOB_TYPES = ['COMPANY', 'USER'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** What an access token may do. */
export const PERMISSIONS = ['read_company_data_exports', 'manage_company_data_exports'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Membership status of a community member; only active members are exported by default. */
export const MEMBER_STATUSES = ['active', 'deactivated', 'deleted'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

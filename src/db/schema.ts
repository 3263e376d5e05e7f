import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Typed once, by hand, to match migrations/. */
export interface Database {
  organizations: OrganizationTable;
  hr_accounts: HrAccountTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  login_throttles: LoginThrottleTable;
  attribute_dimensions: AttributeDimensionTable;
  participants: ParticipantTable;
  surveys: SurveyTable;
  waves: WaveTable;
  invitations: InvitationTable;
  participation: ParticipationTable;
  contested_invitations: ContestedInvitationTable;
  sealed_responses: SealedResponseTable;
  sealed_box_epochs: SealedBoxEpochTable;
  responses: ResponseTable;
  answer_counts: AnswerCountTable;
  mail_outbox: MailOutboxTable;
  audit_log: AuditLogTable;
  code_guess_windows: CodeGuessWindowTable;
}

export interface AuditLogTable {
  org_id: string;
  // bigint, parsed to a number by the connection's type parser (src/db/connection.ts).
  id: Generated<number>;
  at: Generated<Date>;
  actor_kind: 'session' | 'api-key';
  actor_id: string;
  action: string;
  target: string | null;
  details: Json<Record<string, unknown>>;
}

export interface MailOutboxTable {
  org_id: string;
  id: Generated<string>;
  sealed: Buffer;
  attempts: Generated<number>;
  not_before: Generated<Date>;
  locked_until: Date | null;
}

export interface Scope {
  dimension: string;
  value: string;
}

/** Attribute values by dimension key, e.g. { department: 'Support', location: 'Seoul' }. */
export type Attributes = Record<string, string>;
/** Released attributes: a value, 'other' for rare values, or null when generalised away. */
export type ReleasedAttributes = Record<string, string | null>;

type Json<T> = ColumnType<T, string, string>;

export type Role = 'owner' | 'admin' | 'analyst';
export type ApiKeyRole = Exclude<Role, 'owner'>;

type CreatedAt = ColumnType<Date, never, never>;

export interface OrganizationTable {
  id: Generated<string>;
  slug: string;
  name: string;
  min_group_size: number;
  reportable_pairs: ColumnType<Array<[string, string]>, string | undefined, string>;
  comment_min_group_size: ColumnType<number | null, number | null | undefined, number | null>;
  response_retention_months: ColumnType<number | null, number | null | undefined, number | null>;
  default_language: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface HrAccountTable {
  org_id: string;
  id: Generated<string>;
  email: string;
  password_hash: string;
  role: Role;
  scope: ColumnType<Scope | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface SessionTable {
  org_id: string;
  id: Generated<string>;
  account_id: string;
  token_hash: Buffer;
  created_at: CreatedAt;
  expires_at: Date;
}

export interface ApiKeyTable {
  org_id: string;
  id: Generated<string>;
  name: string;
  role: ApiKeyRole;
  key_hash: Buffer;
  created_at: CreatedAt;
  revoked_at: Date | null;
}

/** SPEC P5: one row per shared guessing budget (an organization's, the global one); UNLOGGED. */
export interface CodeGuessWindowTable {
  budget: Buffer;
  window_no: number;
  tries: number;
}

export interface LoginThrottleTable {
  org_id: string;
  subject: Buffer;
  client: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
}

export interface AttributeDimensionTable {
  org_id: string;
  key: string;
  label: string;
  reportable: boolean;
  position: number;
}

export interface ParticipantTable {
  org_id: string;
  id: Generated<string>;
  external_id: string;
  email: string | null;
  name: string | null;
  active: boolean;
  attributes: Json<Attributes>;
  /** When the participant (re)joined the active roster; null: before this was recorded. */
  joined_at: ColumnType<Date | null, never, never>;
}

/** What a survey reports along, as fixed when it opened (src/surveys/reporting.ts). */
export interface ReportingConfig {
  /** Reportable dimensions, most important first. */
  dimensions: string[];
  pairs: Array<[string, string]>;
  commentMinGroupSize: number | null;
}

export type SurveyStatus = 'draft' | 'open' | 'closed';
export type Schedule = 'weekly' | 'biweekly' | 'monthly';

/** How a wave's invitations reach people (SPEC P7: by default HR holds no named token). */
export type DeliveryMode = 'email' | 'codes' | 'download';

export interface SurveyTable {
  org_id: string;
  id: Generated<string>;
  status: SurveyStatus;
  definition: Json<import('../surveys/questions.ts').SurveyDefinition>;
  audience: Json<import('../surveys/questions.ts').Audience>;
  min_group_size: number;
  /** Each k the survey had before a raise once it had opened (reports keep what they hid). */
  earlier_group_sizes: ColumnType<number[], number[] | undefined, number[]>;
  /** The reporting configuration fixed at the first wave opening; null while a draft (SPEC P3). */
  reporting: ColumnType<ReportingConfig | null, string | null | undefined, string>;
  schedule: Schedule | null;
  reminder_after_days: ColumnType<number | null, number | null | undefined, number | null>;
  delivery: ColumnType<DeliveryMode, DeliveryMode, DeliveryMode>;
  template: string | null;
  created_at: CreatedAt;
  /** When the first wave opened: participants joining later are roster additions (issue 13). */
  first_opened_at: ColumnType<Date | null, never, Date | null>;
}

export interface WaveTable {
  org_id: string;
  id: Generated<string>;
  survey_id: string;
  number: number;
  status: 'open' | 'closed';
  /** 'YYYY-MM-DD': days only (SPEC P1). */
  opened_on: ColumnType<string, never, never>;
  closed_on: ColumnType<string | null, never, string | null>;
  reminded_on: ColumnType<string | null, never, string | null>;
}

export interface InvitationTable {
  org_id: string;
  id: string;
  wave_id: string;
  participant_id: string | null;
  token_hash: Buffer;
  code_hash: Buffer;
  attributes: Json<Attributes>;
  revoked: Generated<boolean>;
  /** The plaintext token went to HR: a pool code, or a link in HR's distribution (issue 13). */
  held_by_hr: Generated<boolean>;
  /** The participant joined the roster after the survey first opened (issue 13). */
  roster_addition: Generated<boolean>;
}

/** Submits on a token already spent, per wave (SPEC P7): probing shows. Sealed count (contests.ts). */
export interface ContestedInvitationTable {
  org_id: string;
  wave_id: string;
  sealed: Buffer;
}

export interface ParticipationTable {
  org_id: string;
  wave_id: string;
  marker: Buffer;
  /** Keyed hash of the survey session that spent it: a retry after a lost acknowledgement is a replay. */
  submission: Buffer;
}

export interface SealedResponseTable {
  org_id: string;
  id: Generated<string>;
  wave_id: string;
  sealed: Buffer;
}

/** The key epoch a wave's boxes are sealed under; the keys live outside PostgreSQL (src/anonymity/batch-keys.ts). */
export interface SealedBoxEpochTable {
  org_id: string;
  wave_id: string;
  epoch: number;
}

export interface ResponseTable {
  org_id: string;
  id: Generated<string>;
  survey_id: string;
  wave_id: string;
  attributes: Json<ReleasedAttributes>;
  answers: Json<import('../surveys/questions.ts').Answers>;
}

export interface AnswerCountTable {
  org_id: string;
  wave_id: string;
  combo: Json<ReleasedAttributes>;
  question_id: string;
  value: string;
  n: number;
}

export type Organization = Selectable<OrganizationTable>;
export type NewOrganization = Insertable<OrganizationTable>;
export type HrAccount = Selectable<HrAccountTable>;

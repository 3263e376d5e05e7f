import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Typed once, by hand, to match migrations/. */
export interface Database {
  organizations: OrganizationTable;
  hr_accounts: HrAccountTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  login_throttles: LoginThrottleTable;
}

export type Role = 'owner' | 'admin' | 'analyst';
export type ApiKeyRole = Exclude<Role, 'owner'>;

type CreatedAt = ColumnType<Date, never, never>;

export interface OrganizationTable {
  id: Generated<string>;
  slug: string;
  name: string;
  min_group_size: number;
  created_at: CreatedAt;
}

export interface HrAccountTable {
  org_id: string;
  id: Generated<string>;
  email: string;
  password_hash: string;
  role: Role;
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

export interface LoginThrottleTable {
  org_id: string;
  subject: Buffer;
  client: string;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
}

export type Organization = Selectable<OrganizationTable>;
export type NewOrganization = Insertable<OrganizationTable>;
export type HrAccount = Selectable<HrAccountTable>;

import type { Kysely } from 'kysely';
import type { Database, ReportingConfig } from '../db/schema.ts';
import { NotFound } from '../errors.ts';
import { reportableDimensions } from '../roster/attributes.ts';

export type { ReportingConfig };

/**
 * The organization's reporting configuration as it stands: what a survey opened now would fix.
 * Pairs are kept only over reportable dimensions (a dimension made non-reportable drops its pairs).
 */
export async function organizationReporting(db: Kysely<Database>, orgId: string): Promise<ReportingConfig> {
  const dimensions = await reportableDimensions(db, orgId);
  const org = await db
    .selectFrom('organizations')
    .select(['reportable_pairs', 'comment_min_group_size'])
    .where('id', '=', orgId)
    .executeTakeFirstOrThrow();
  return {
    dimensions,
    pairs: org.reportable_pairs.filter(([a, b]) => dimensions.includes(a) && dimensions.includes(b)),
    commentMinGroupSize: org.comment_min_group_size,
  };
}

/**
 * What a survey reports along — its dimensions, pairs and comment threshold — fixed at its first
 * wave opening (SPEC P3): two readings of one wave under two configurations would give two
 * suppression patterns whose union pins hidden cells by subtraction. Every report, attribute
 * snapshot and release of the survey goes through here. A draft has nothing fixed yet and gets
 * what opening it now would fix.
 */
export async function surveyReporting(db: Kysely<Database>, orgId: string, surveyId: string): Promise<ReportingConfig> {
  const survey = await db
    .selectFrom('surveys')
    .select('reporting')
    .where('org_id', '=', orgId)
    .where('id', '=', surveyId)
    .executeTakeFirst();
  if (!survey) throw new NotFound('Survey');
  return survey.reporting ?? (await organizationReporting(db, orgId));
}

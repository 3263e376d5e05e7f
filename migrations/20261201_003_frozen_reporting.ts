import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // SPEC P3: a survey's reporting configuration (reportable dimensions in order, declared pairs,
  // comment threshold) is fixed when it opens. Two readings of one wave under two configurations
  // give two suppression patterns whose union pins hidden cells by subtraction. Null while a draft.
  await db.schema.alterTable('surveys').addColumn('reporting', 'jsonb').execute();
  // Surveys already opened take their organization's configuration as it stands now: the best
  // that can be known of what they opened under, and from now on it no longer moves.
  await sql`
    update surveys s set reporting = jsonb_build_object(
      'dimensions', coalesce((
        select jsonb_agg(d.key order by d.position)
        from attribute_dimensions d where d.org_id = s.org_id and d.reportable), '[]'::jsonb),
      'pairs', coalesce((
        select jsonb_agg(p.pair order by p.i)
        from organizations o, jsonb_array_elements(o.reportable_pairs) with ordinality as p(pair, i)
        where o.id = s.org_id
          and exists (select 1 from attribute_dimensions d
                      where d.org_id = s.org_id and d.reportable and d.key = p.pair ->> 0)
          and exists (select 1 from attribute_dimensions d
                      where d.org_id = s.org_id and d.reportable and d.key = p.pair ->> 1)), '[]'::jsonb),
      'commentMinGroupSize', (select to_jsonb(o.comment_min_group_size) from organizations o where o.id = s.org_id)
    )
    where s.status <> 'draft'`.execute(db);
  await sql`alter table surveys add constraint surveys_reporting_once_opened
    check ((status = 'draft') = (reporting is null))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('surveys').dropConstraint('surveys_reporting_once_opened').execute();
  await db.schema.alterTable('surveys').dropColumn('reporting').execute();
}

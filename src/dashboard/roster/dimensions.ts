import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasRole } from '../../auth/principal.ts';
import { READER_LANGUAGE_ATTRIBUTE } from '../../delivery/reader-language.ts';
import { ValidationFailed } from '../../errors.ts';
import { html } from '../../pages/html.ts';
import { updateOrganizationBody } from '../../orgs/schemas.ts';
import { getOrganization, updateOrganization } from '../../orgs/service.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { dimensionsBody } from '../../roster/schemas.ts';
import { listDimensions, replaceDimensions } from '../../roster/service.ts';
import { errorSummary, type FieldErrors } from '../shell/forms.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { SHELL } from '../shell/strings.ts';
import { ROSTER, type RosterStrings } from './strings.ts';
import type { Dimension } from './views.ts';

/** Room for new dimensions under the declared ones (the API allows 20 in all). */
const SPARE_ROWS = 3;
const MAX_ROWS = 20;
const doneQuery = z.object({ done: z.enum(['dimensions', 'pairs']).optional() });

interface DimensionRow {
  key: string;
  label: string;
  reportable: boolean;
}

/** The form's rows (key_0, label_0, reportable_0, …); rows without a key are removed dimensions. */
function rowsOf(body: Record<string, unknown>): DimensionRow[] {
  const rows: DimensionRow[] = [];
  for (let i = 0; i < MAX_ROWS + SPARE_ROWS; i++) {
    const key = body[`key_${i}`];
    if (typeof key !== 'string') continue;
    const label = body[`label_${i}`];
    rows.push({
      key: key.trim(),
      label: typeof label === 'string' ? label.trim() : '',
      reportable: body[`reportable_${i}`] === 'on',
    });
  }
  return rows;
}

function messageOf(t: RosterStrings, issue: z.core.$ZodIssue): string {
  if (issue.path.length === 0) {
    const text = String(issue.message);
    return text.startsWith(READER_LANGUAGE_ATTRIBUTE) ? t.languageReportable : t.duplicateKeys;
  }
  return issue.path[1] === 'key' ? t.keyFormat : t.tooLong;
}

const pairValue = (a: string, b: string) => `${a}|${b}`;

export const dimensionRoutes: FastifyPluginAsyncZod = async (app) => {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { rows?: DimensionRow[]; errors?: FieldErrors; status?: number; done?: string | undefined } = {},
  ) => {
    const lang = langOf(request);
    const t = ROSTER[lang];
    const principal = principalOf(request);
    const [dimensions, org] = await Promise.all([
      listDimensions(app.db, principal.orgId),
      getOrganization(app.db, principal.orgId),
    ]);
    const rows: DimensionRow[] = [
      ...(state.rows ?? dimensions),
      ...Array.from({ length: SPARE_ROWS }, () => ({ key: '', label: '', reportable: false })),
    ].slice(0, MAX_ROWS + SPARE_ROWS);
    const errors = state.errors ?? {};
    const labels = { ...Object.fromEntries(rows.map((_r, i) => [`key_${i}`, t.dimension(i + 1)])), pair: t.pairsTitle };
    const isOwner = hasRole(principal, 'owner');
    const body = html`<h1>${t.editTitle}</h1>
      ${state.done === 'dimensions' ? html`<p class="notice" role="status">${t.dimensionsSaved}</p>` : ''}
      ${state.done === 'pairs' ? html`<p class="notice" role="status">${t.pairsSaved}</p>` : ''}
      <p class="warning">${t.frozen}</p>
      ${errorSummary(SHELL[lang].fixBelow, errors, labels)}
      <h2>${t.dimensionsTitle}</h2>
      <p class="hint" id="dimensions-hint">${t.editIntro}</p>
      <form method="post" action="/hr/roster/dimensions" class="stack">
        <table class="data dimension-form">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">${t.key}</th>
              <th scope="col">${t.label}</th>
              <th scope="col">${t.reportable}</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map((r, i) => {
              const error = errors[`key_${i}`];
              const described = ['dimensions-hint', error ? `f-key_${i}-error` : ''].filter(Boolean).join(' ');
              return html`<tr class="${error ? 'invalid' : ''}">
                <th scope="row">${i + 1}</th>
                <td>
                  <label class="visually-hidden" for="f-key_${i}">${t.dimension(i + 1)}: ${t.key}</label>
                  ${error ? html`<p class="error" id="f-key_${i}-error">${error}</p>` : ''}
                  <input
                    id="f-key_${i}"
                    name="key_${i}"
                    value="${r.key}"
                    maxlength="40"
                    aria-describedby="${described}"
                    ${error ? html`aria-invalid="true"` : ''}
                  />
                </td>
                <td>
                  <label class="visually-hidden" for="f-label_${i}">${t.dimension(i + 1)}: ${t.label}</label>
                  <input id="f-label_${i}" name="label_${i}" value="${r.label}" maxlength="100" />
                </td>
                <td>
                  <input
                    type="checkbox"
                    id="f-reportable_${i}"
                    name="reportable_${i}"
                    ${r.reportable ? html`checked` : ''}
                  />
                  <label for="f-reportable_${i}"
                    ><span class="visually-hidden">${t.dimension(i + 1)}: </span>${t.reportable}</label
                  >
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
        <button type="submit" class="primary">${t.saveDimensions}</button>
      </form>
      ${pairsSection(t, dimensions, org.reportable_pairs, isOwner)}
      <p><a href="/hr/roster">${t.back}</a></p>`;
    return sendPage(request, reply, { title: t.editTitle, section: 'roster', status: state.status ?? 200, body });
  };

  app.get(
    '/roster/dimensions',
    { onRequest: requireRole({ role: 'admin' }), schema: { hide: true, querystring: doneQuery } },
    async (request, reply) => show(request, reply, { done: request.query.done }),
  );

  app.post(
    '/roster/dimensions',
    { onRequest: requireRole({ role: 'admin' }), schema: { hide: true } },
    async (request, reply) => {
      const t = ROSTER[langOf(request)];
      const rows = rowsOf((request.body ?? {}) as Record<string, unknown>);
      const declared = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.key !== '');
      // The API's own schema (PUT /v1/roster/dimensions): the same keys, labels and language rule.
      const parsed = dimensionsBody.safeParse(
        declared.map(({ r }) => ({ key: r.key, ...(r.label ? { label: r.label } : {}), reportable: r.reportable })),
      );
      if (!parsed.success) {
        const errors: FieldErrors = {};
        for (const issue of parsed.error.issues) {
          const at = typeof issue.path[0] === 'number' ? declared[issue.path[0]]?.i : declared[0]?.i;
          errors[`key_${at ?? 0}`] ??= messageOf(t, issue);
        }
        return show(request, reply, { rows, errors, status: 400 });
      }
      await replaceDimensions(app.db, principalOf(request).orgId, parsed.data);
      return seeOther(reply, '/hr/roster/dimensions?done=dimensions');
    },
  );

  app.post(
    '/roster/pairs',
    { onRequest: requireRole({ role: 'owner' }), schema: { hide: true } },
    async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const chosen = body.pair === undefined ? [] : Array.isArray(body.pair) ? body.pair : [body.pair];
      const pairs = chosen.map((v) => (typeof v === 'string' ? v.split('|') : []));
      // The API's own schema and service (PATCH /v1/organization): only reportable dimensions pair.
      const parsed = updateOrganizationBody.safeParse({ reportablePairs: pairs });
      const refused = () =>
        show(request, reply, { errors: { pair: SHELL[langOf(request)].invalidField }, status: 400 });
      if (!parsed.success) return refused();
      try {
        await updateOrganization(app.db, principalOf(request).orgId, parsed.data);
      } catch (error) {
        if (error instanceof ValidationFailed) return refused();
        throw error;
      }
      return seeOther(reply, '/hr/roster/dimensions?done=pairs');
    },
  );
};

function pairsSection(t: RosterStrings, dimensions: Dimension[], current: Array<[string, string]>, isOwner: boolean) {
  const reportable = dimensions.filter((d) => d.reportable);
  const allowed = new Set(current.map(([a, b]) => [a, b].sort().join('|')));
  const pairs: Array<[Dimension, Dimension]> = [];
  reportable.forEach((a, i) => reportable.slice(i + 1).forEach((b) => pairs.push([a, b])));
  const isAllowed = (a: Dimension, b: Dimension) => allowed.has([a.key, b.key].sort().join('|'));
  let content;
  if (pairs.length === 0) content = html`<p>${t.noPairs}</p>`;
  else if (!isOwner) {
    const on = pairs.filter(([a, b]) => isAllowed(a, b));
    content = html`<p class="hint">${t.pairsOwnerOnly}</p>
      ${
        on.length === 0
          ? html`<p>${t.pairsNone}</p>`
          : html`<ul>
              ${on.map(([a, b]) => html`<li>${a.label} × ${b.label}</li>`)}
            </ul>`
      }`;
  } else
    content = html`<form method="post" action="/hr/roster/pairs" class="stack">
      <fieldset id="f-pair">
        <legend>${t.pairsTitle}</legend>
        ${pairs.map(
          ([a, b], i) =>
            html`<div class="choice">
              <input
                type="checkbox"
                id="f-pair-${i}"
                name="pair"
                value="${pairValue(a.key, b.key)}"
                ${isAllowed(a, b) ? html`checked` : ''}
              />
              <label for="f-pair-${i}">${a.label} × ${b.label}</label>
            </div>`,
        )}
      </fieldset>
      <button type="submit" class="primary">${t.savePairs}</button>
    </form>`;
  return html`<h2>${t.pairsTitle}</h2>
    <p class="hint">${t.pairsIntro}</p>
    ${content}`;
}

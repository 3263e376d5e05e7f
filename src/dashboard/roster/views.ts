import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import { plural } from '../../pages/plural.ts';
import type { ImportResult } from '../../roster/service.ts';
import type { RowProblem } from '../../roster/rows.ts';
import { reasonText } from './reasons.ts';
import { ROSTER } from './strings.ts';

export interface Dimension {
  key: string;
  label: string;
  reportable: boolean;
}

export interface Participant {
  external_id: string;
  active: boolean;
  attributes: Record<string, string>;
}

export function dimensionsTable(lang: UiLanguage, dimensions: Dimension[]): SafeHtml {
  const t = ROSTER[lang];
  if (dimensions.length === 0) return html`<p class="warning">${t.noDimensions}</p>`;
  return html`<table class="data">
    <thead>
      <tr>
        <th scope="col">${t.key}</th>
        <th scope="col">${t.label}</th>
        <th scope="col">${t.reportable}</th>
      </tr>
    </thead>
    <tbody>
      ${dimensions.map(
        (d) =>
          html`<tr>
            <th scope="row"><code>${d.key}</code></th>
            <td>${d.label}</td>
            <td>${d.reportable ? t.yes : t.no}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function participantsTable(
  lang: UiLanguage,
  dimensions: Dimension[],
  participants: Participant[],
  next: string | null,
  paged: boolean,
): SafeHtml {
  const t = ROSTER[lang];
  if (participants.length === 0) return html`<p>${t.none}</p>`;
  return html`<table class="data" id="participants">
      <thead>
        <tr>
          <th scope="col">${t.externalId}</th>
          <th scope="col">${t.status}</th>
          ${dimensions.map((d) => html`<th scope="col">${d.label}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${participants.map(
          (p) =>
            html`<tr>
              <th scope="row">${p.external_id}</th>
              <td>${p.active ? t.active : t.inactive}</td>
              ${dimensions.map((d) => html`<td>${p.attributes[d.key] ?? ''}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pager" aria-label="${t.participantsTitle}">
      <ul>
        ${paged ? html`<li><a href="/hr/roster#participants">${t.first}</a></li>` : ''}
        ${next ? html`<li><a href="/hr/roster?after=${encodeURIComponent(next)}#participants">${t.next}</a></li>` : ''}
      </ul>
    </nav>`;
}

export function importResult(lang: UiLanguage, result: ImportResult): SafeHtml {
  const t = ROSTER[lang];
  return html`<div class="notice" role="status">
    <p><strong>${t.imported}</strong></p>
    <dl class="facts import-counts">
      <dt>${t.inserted}</dt>
      <dd data-count="inserted">${result.inserted}</dd>
      <dt>${t.updated}</dt>
      <dd data-count="updated">${result.updated}</dd>
      <dt>${t.deactivated}</dt>
      <dd data-count="deactivated">${result.deactivated}</dd>
      <dt>${t.revoked}</dt>
      <dd data-count="revoked">${result.revokedInvitations}</dd>
    </dl>
  </div>`;
}

/** The refusal of an import: every problem with its row, field and reason, as the API reports them. */
export function rejectionReport(lang: UiLanguage, problems: RowProblem[]): SafeHtml {
  const t = ROSTER[lang];
  return html`<div class="error-summary" role="alert" tabindex="-1" id="report">
    <h2>${t.rejectedTitle}</h2>
    <p>${plural(lang, problems.length, t.problems)}. ${t.rejectedIntro(problems.length)}</p>
    <table class="data">
      <thead>
        <tr>
          <th scope="col">${t.row}</th>
          <th scope="col">${t.field}</th>
          <th scope="col">${t.reason}</th>
        </tr>
      </thead>
      <tbody>
        ${problems.map(
          (p) =>
            html`<tr>
              <td class="num">${p.row}</td>
              <td><code>${p.field}</code></td>
              <td>${reasonText(lang, p.reason)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export interface UploadState {
  mode?: string;
  csv?: string;
  error?: string | undefined;
}

/** One form: a file, or pasted text; multipart so the file goes along, working without script. */
export function uploadForm(lang: UiLanguage, state: UploadState = {}): SafeHtml {
  const t = ROSTER[lang];
  const mode = state.mode === 'sync' ? 'sync' : 'upsert';
  return html`<section aria-labelledby="upload-title">
    <h2 id="upload-title">${t.uploadTitle}</h2>
    <p class="hint" id="upload-intro">${t.uploadIntro}</p>
    ${state.error ? html`<p class="error" id="upload-error" role="alert">${state.error}</p>` : ''}
    <form method="post" action="/hr/roster/import" enctype="multipart/form-data" class="stack">
      <fieldset>
        <legend>${t.mode}</legend>
        <div class="choice">
          <input type="radio" id="f-mode-upsert" name="mode" value="upsert" ${mode === 'upsert' ? html`checked` : ''} />
          <label for="f-mode-upsert">${t.upsert}</label>
        </div>
        <div class="choice">
          <input type="radio" id="f-mode-sync" name="mode" value="sync" ${mode === 'sync' ? html`checked` : ''} />
          <label for="f-mode-sync">${t.sync}</label>
        </div>
      </fieldset>
      <div class="field ${state.error ? 'invalid' : ''}">
        <label for="f-file">${t.file}</label>
        <p class="hint" id="f-file-hint">${t.fileHint}</p>
        <input
          id="f-file"
          name="file"
          type="file"
          accept=".csv,text/csv"
          aria-describedby="f-file-hint${state.error ? ' upload-error' : ''}"
        />
      </div>
      <div class="field">
        <label for="f-csv">${t.paste}</label>
        <textarea id="f-csv" name="csv" rows="6" spellcheck="false" aria-describedby="upload-intro">
${state.csv ?? ''}</textarea>
      </div>
      <button type="submit" class="primary">${t.importButton}</button>
    </form>
  </section>`;
}

import { html, type SafeHtml } from '../../pages/html.ts';

/** Ids of a field's hint and error, for aria-describedby. */
const describedBy = (id: string, hint?: string, error?: string) =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');

const fieldId = (name: string) => `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
export { fieldId };

/** A group of radio buttons under a legend, with a hint per option and one error for the group. */
export function radioGroup(options: {
  name: string;
  legend: string;
  choices: Array<{ value: string; label: string; hint?: string; disabled?: boolean }>;
  value: string | undefined;
  error?: string | undefined;
}): SafeHtml {
  const id = fieldId(options.name);
  return html`<fieldset class="field ${options.error ? 'invalid' : ''}" id="${id}">
    <legend>${options.legend}</legend>
    ${options.error ? html`<p class="error" id="${id}-error">${options.error}</p>` : ''}
    ${options.choices.map((c, i) => {
      const cid = `${id}-${i}`;
      const described = [c.hint ? `${cid}-hint` : '', options.error ? `${id}-error` : ''].filter(Boolean).join(' ');
      return html`<div class="choice">
        <input
          type="radio"
          id="${cid}"
          name="${options.name}"
          value="${c.value}"
          ${c.value === options.value ? html`checked` : ''}
          ${c.disabled ? html`disabled` : ''}
          ${described ? html`aria-describedby="${described}"` : ''}
        />
        <label for="${cid}">${c.label}</label>
        ${c.hint ? html`<p class="hint" id="${cid}-hint">${c.hint}</p>` : ''}
      </div>`;
    })}
  </fieldset>`;
}

export function selectField(options: {
  name: string;
  label: string;
  choices: Array<{ value: string; label: string }>;
  value: string | undefined;
  error?: string | undefined;
  hint?: string;
}): SafeHtml {
  const id = fieldId(options.name);
  const described = describedBy(id, options.hint, options.error);
  return html`<div class="field ${options.error ? 'invalid' : ''}">
    <label for="${id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}
    ${options.error ? html`<p class="error" id="${id}-error">${options.error}</p>` : ''}
    <select
      id="${id}"
      name="${options.name}"
      ${described ? html`aria-describedby="${described}"` : ''}
      ${options.error ? html`aria-invalid="true"` : ''}
    >
      ${options.choices.map(
        (c) => html`<option value="${c.value}" ${c.value === options.value ? html`selected` : ''}>${c.label}</option>`,
      )}
    </select>
  </div>`;
}

export function inputField(options: {
  name: string;
  label: string;
  value: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
  type?: 'text' | 'number';
  lang?: string | undefined;
  attributes?: SafeHtml;
}): SafeHtml {
  const id = fieldId(options.name);
  const described = describedBy(id, options.hint, options.error);
  return html`<div class="field ${options.error ? 'invalid' : ''}">
    <label for="${id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}
    ${options.error ? html`<p class="error" id="${id}-error">${options.error}</p>` : ''}
    <input
      id="${id}"
      name="${options.name}"
      type="${options.type ?? 'text'}"
      value="${options.value ?? ''}"
      ${options.lang ? html`lang="${options.lang}"` : ''}
      ${described ? html`aria-describedby="${described}"` : ''}
      ${options.error ? html`aria-invalid="true"` : ''}
      ${options.attributes ?? ''}
    />
  </div>`;
}

export function textareaField(options: {
  name: string;
  label: string;
  value: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
  lang?: string | undefined;
}): SafeHtml {
  const id = fieldId(options.name);
  const described = describedBy(id, options.hint, options.error);
  return html`<div class="field ${options.error ? 'invalid' : ''}">
    <label for="${id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}
    ${options.error ? html`<p class="error" id="${id}-error">${options.error}</p>` : ''}
    <textarea
      id="${id}"
      name="${options.name}"
      rows="3"
      ${options.lang ? html`lang="${options.lang}"` : ''}
      ${described ? html`aria-describedby="${described}"` : ''}
      ${options.error ? html`aria-invalid="true"` : ''}
    >
${options.value ?? ''}</textarea>
  </div>`;
}

/** The summary of a failed form, each line a link to its field (WCAG 3.3.1). */
export function formErrors(title: string, errors: Record<string, string>, labels: Record<string, string>): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1">
    <h2>${title}</h2>
    <ul>
      ${entries.map(
        ([field, message]) => html`<li><a href="#${fieldId(field)}">${labels[field] ?? ''} ${message}</a></li>`,
      )}
    </ul>
  </div>`;
}

/** "" → null, digits → a number, anything else as typed (so the API's schema refuses it). */
export function numberOrNull(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const v = value.trim();
  if (v === '') return null;
  return /^\d{1,6}$/.test(v) ? Number(v) : v;
}

/** A posted form as text fields (a repeated name keeps its first value); anything else is empty. */
export function formOf(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

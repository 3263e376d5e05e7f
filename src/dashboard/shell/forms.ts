import type { z } from 'zod';
import { html, type SafeHtml } from '../../pages/html.ts';

export type FieldErrors = Record<string, string>;

/**
 * A form parsed by its zod schema. Pages re-render the form with what was typed and a message
 * beside each field that failed, instead of an error page (the service never sees bad input).
 */
export function parseForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
  message: (issue: z.core.$ZodIssue) => string,
): { ok: true; value: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    errors[field] ??= message(issue);
  }
  return { ok: false, errors };
}

/** Ids of a field's hint and error, for aria-describedby. */
const describedBy = (id: string, hint?: string, error?: string) =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');

/** A field's element id from its form name (names such as `q.0.text` hold characters ids avoid). */
export const fieldId = (name: string) => `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;

/**
 * The frame every single-control field shares: its label, hint and error, and the attributes that
 * tie them to the control (aria-describedby, aria-invalid), which `control` receives.
 */
function labelled(
  options: { name: string; label: string; hint?: string | undefined; error?: string | undefined },
  control: (id: string, aria: SafeHtml) => SafeHtml,
): SafeHtml {
  const id = fieldId(options.name);
  const described = describedBy(id, options.hint, options.error);
  const aria = html`${described ? html`aria-describedby="${described}"` : ''}
  ${options.error ? html`aria-invalid="true"` : ''}`;
  return html`<div class="field ${options.error ? 'invalid' : ''}">
    <label for="${id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}
    ${options.error ? html`<p class="error" id="${id}-error">${options.error}</p>` : ''} ${control(id, aria)}
  </div>`;
}

/** A labelled input whose hint and error are tied to it (aria-describedby), keeping the typed value. */
export function inputField(options: {
  name: string;
  label: string;
  value?: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
  type?: 'text' | 'email' | 'password' | 'number' | 'date';
  autocomplete?: string;
  required?: boolean;
  lang?: string | undefined;
  attributes?: SafeHtml;
}): SafeHtml {
  // A password is never sent back to the browser, not even to the one who typed it.
  const value = options.type === 'password' ? undefined : options.value;
  return labelled(
    options,
    (id, aria) =>
      html`<input
        id="${id}"
        name="${options.name}"
        type="${options.type ?? 'text'}"
        ${value !== undefined ? html`value="${value}"` : ''}
        ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ''}
        ${options.required ? html`required` : ''}
        ${options.lang ? html`lang="${options.lang}"` : ''}
        ${aria}
        ${options.attributes ?? ''}
      />`,
  );
}

export function textareaField(options: {
  name: string;
  label: string;
  value: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
  lang?: string | undefined;
}): SafeHtml {
  return labelled(
    options,
    (id, aria) =>
      html`<textarea
        id="${id}"
        name="${options.name}"
        rows="3"
        ${options.lang ? html`lang="${options.lang}"` : ''}
        ${aria}
      >
${options.value ?? ''}</textarea>`,
  );
}

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
  return labelled(
    options,
    (id, aria) =>
      html`<select id="${id}" name="${options.name}" ${aria}>
        ${options.choices.map(
          (c) =>
            html`<option value="${c.value}" ${c.value === options.value ? html`selected` : ''}>${c.label}</option>`,
        )}
      </select>`,
  );
}

/** The summary at the top of a form that failed, linking to each field (WCAG 3.3.1). */
export function errorSummary(title: string, errors: FieldErrors, labels: Record<string, string>): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1">
    <h2>${title}</h2>
    <ul>
      ${entries.map(([field, message]) => html`<li><a href="#${fieldId(field)}">${labels[field] ?? field}: ${message}</a></li>`)}
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

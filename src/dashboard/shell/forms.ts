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

/** A labelled input whose error is tied to it (aria-describedby), keeping the typed value. */
export function textField(options: {
  name: string;
  label: string;
  value?: string | undefined;
  error?: string | undefined;
  type?: 'text' | 'email' | 'password' | 'number' | 'date';
  autocomplete?: string;
  required?: boolean;
  hint?: string;
  attributes?: SafeHtml;
}): SafeHtml {
  const id = `f-${options.name}`;
  const described = [options.hint ? `${id}-hint` : '', options.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field ${options.error ? 'invalid' : ''}">
    <label for="${id}">${options.label}</label>
    ${options.hint ? html`<p class="hint" id="${id}-hint">${options.hint}</p>` : ''}
    ${options.error ? html`<p class="error" id="${id}-error">${options.error}</p>` : ''}
    <input
      id="${id}"
      name="${options.name}"
      type="${options.type ?? 'text'}"
      ${options.value !== undefined && options.type !== 'password' ? html`value="${options.value}"` : ''}
      ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ''}
      ${options.required ? html`required` : ''}
      ${described ? html`aria-describedby="${described}"` : ''}
      ${options.error ? html`aria-invalid="true"` : ''}
      ${options.attributes ?? ''}
    />
  </div>`;
}

/** The summary at the top of a form that failed, linking to each field (WCAG 3.3.1). */
export function errorSummary(title: string, errors: FieldErrors, labels: Record<string, string>): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1">
    <h2>${title}</h2>
    <ul>
      ${entries.map(([field, message]) => html`<li><a href="#f-${field}">${labels[field] ?? field}: ${message}</a></li>`)}
    </ul>
  </div>`;
}

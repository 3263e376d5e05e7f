import type { Role } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import type { SettingsStrings } from './strings.ts';

/** The role of a new account or API key: one radio per role with what it may do. */
export function roleField(
  t: SettingsStrings,
  roles: readonly Role[],
  value: string | undefined,
  error?: string,
): SafeHtml {
  return html`<fieldset id="f-role" ${error ? html`aria-describedby="f-role-error"` : ''}>
    <legend>${t.role}</legend>
    ${error ? html`<p class="error" id="f-role-error">${error}</p>` : ''}
    ${roles.map(
      (r) =>
        html`<div class="choice">
          <input type="radio" id="f-role-${r}" name="role" value="${r}" ${value === r ? html`checked` : ''} />
          <label for="f-role-${r}"><strong>${t.roles[r]}</strong>: ${t.roleHints[r]}</label>
        </div>`,
    )}
  </fieldset>`;
}

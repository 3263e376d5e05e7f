import { html, type SafeHtml } from './html.ts';
import { STRINGS, UI_LANGUAGES, type Strings, type UiLanguage } from './i18n.ts';
import type { Signal } from './identifying.ts';
import type { localizeSurvey } from '../responses/service.ts';

type RespondentSurvey = ReturnType<typeof localizeSurvey>;
type Values = Record<string, string | string[]>;

/**
 * How the language switcher works on a page. Links, normally; on the survey page, submit buttons of
 * its form (issue 14), so switching posts the answers chosen so far and the page comes back in the
 * other language with them still chosen: no script, nothing stored.
 */
export interface PageOptions {
  /** The employer's display name, so staff see whose survey this is. */
  organization?: string | undefined;
  switchForm?: { id: string; action: (l: UiLanguage) => string } | undefined;
}

function languageSwitch(lang: UiLanguage, switchHref: (l: UiLanguage) => string, options: PageOptions): SafeHtml[] {
  const form = options.switchForm;
  return UI_LANGUAGES.map((l) => {
    const name = STRINGS[l].languageName;
    if (!form)
      return html`<li>
        <a href="${switchHref(l)}" lang="${l}" ${l === lang ? html`aria-current="true"` : ''}>${name}</a>
      </li>`;
    if (l === lang) return html`<li><span class="current" lang="${l}" aria-current="true">${name}</span></li>`;
    return html`<li>
      <button
        type="submit"
        class="language"
        form="${form.id}"
        formaction="${form.action(l)}"
        formnovalidate
        lang="${l}"
      >
        ${name}
      </button>
    </li>`;
  });
}

/** The shell of every page: no script, one same-origin stylesheet, a language switcher. */
export function page(
  lang: UiLanguage,
  title: string,
  body: SafeHtml,
  switchHref: (l: UiLanguage) => string,
  options: PageOptions = {},
): string {
  const t = STRINGS[lang];
  const brand = options.organization ? t.pulseSurvey(options.organization) : 'Quorum';
  return `<!doctype html>${
    html`<html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · ${options.organization ?? 'Quorum'}</title>
        <link rel="stylesheet" href="/assets/quorum.css" />
      </head>
      <body>
        <a class="skip" href="#main">${t.skip}</a>
        ${
          // Enter in a form clicks its first submit button in document order: without this one,
          // that would be a language button in the header instead of "Send".
          options.switchForm
            ? html`<button type="submit" form="${options.switchForm.id}" hidden>${t.send}</button>`
            : ''
        }
        <header>
          <span class="brand">${brand}</span>
          <nav aria-label="${t.languageNav}">
            <ul>
              ${languageSwitch(lang, switchHref, options)}
            </ul>
          </nav>
        </header>
        <main id="main">${body}</main>
      </body>
    </html>`.value
  }`;
}

/** Collapsed to one line, so on a phone the first question shows on the first screen (issue 14). */
function promise(t: Strings, k: number, protection?: SafeHtml): SafeHtml {
  return html`<section class="promise" aria-labelledby="promise-title">
    <details>
      <summary>
        <strong id="promise-title">${t.promiseTitle}.</strong> ${t.promiseSummary(k)}
        <span class="more">${t.promiseMore}</span>
      </summary>
      <ul>
        ${t.promise(k).map((line) => html`<li>${line}</li>`)}
      </ul>
    </details>
    ${protection}
  </section>`;
}

/** One question as the employee sees it (also the dashboard's read-only template preview). */
export function field(
  t: Strings,
  q: RespondentSurvey['questions'][number],
  value: string | string[] | undefined,
  error: string | undefined,
  warning: Signal[] | undefined,
): SafeHtml {
  const name = `q_${q.id}`;
  const errorId = `${name}-error`;
  const described = error ? html` aria-describedby="${errorId}" aria-invalid="true"` : '';
  const legend = html`<legend>${q.text} <span class="req">(${q.required ? t.required : t.optional})</span></legend>`;
  const errorLine = error ? html`<p class="error" id="${errorId}">${error}</p>` : '';
  const chosen = (v: string) => (Array.isArray(value) ? value.includes(v) : value === v);
  const radios = (options: Array<{ value: string; label: string }>, type: 'radio' | 'checkbox' = 'radio') =>
    html`<div class="options ${type === 'radio' && options.length > 5 ? 'scale' : ''}">
      ${options.map(
        (o, i) =>
          html`<label for="${name}-${i}"
            ><input
              type="${type}"
              id="${name}-${i}"
              name="${name}"
              value="${o.value}"
              ${chosen(o.value) ? html`checked` : ''}
              ${type === 'radio' && q.required ? html`required` : ''}${described}
            />
            <span>${o.label}</span></label
          >`,
      )}
    </div>`;
  let control: SafeHtml;
  switch (q.type) {
    case 'likert5':
      control = radios(t.likert.map((label, i) => ({ value: String(i + 1), label })));
      break;
    case 'scale0_10':
      control = html`<p class="hint">0 = ${t.scaleLow}, 10 = ${t.scaleHigh}</p>
        ${radios(Array.from({ length: 11 }, (_, i) => ({ value: String(i), label: String(i) })))}`;
      break;
    case 'yes_no':
      control = radios([
        { value: 'true', label: t.yes },
        { value: 'false', label: t.no },
      ]);
      break;
    case 'single_choice':
      control = radios((q.options ?? []).map((o) => ({ value: o.id, label: o.text })));
      break;
    case 'multi_choice':
      control = radios(
        (q.options ?? []).map((o) => ({ value: o.id, label: o.text })),
        'checkbox',
      );
      break;
    case 'text': {
      const warn = warning?.length
        ? html`<div class="warning" id="${name}-warning" role="status">
            <p><strong>${t.warnTitle}.</strong> ${t.warnIntro}</p>
            <ul>
              ${warning.map((s) => html`<li>${{ email: t.warnEmail, phone: t.warnPhone, name: t.warnName, employeeId: t.warnEmployeeId }[s]}</li>`)}
            </ul>
          </div>`
        : '';
      return html`<div class="question">
        <label class="text-label" for="${name}"
          >${q.text} <span class="req">(${q.required ? t.required : t.optional})</span></label
        >${errorLine}${warn}<textarea
          id="${name}"
          name="${name}"
          rows="4"
          maxlength="${q.maxLength ?? 2000}"
          ${q.required ? html`required` : ''}${described}
        >
${typeof value === 'string' ? value : ''}</textarea>
      </div>`;
    }
  }
  return html`<fieldset class="question">${legend}${errorLine}${control}</fieldset>`;
}

export interface FormState {
  values: Values;
  errors: Record<string, string>;
  warnings: Record<string, Signal[]>;
  /** One per filled-in form, kept across re-renders: a resubmission after a lost answer is a replay. */
  submission: string;
  /** The last send could not reach the database: say so above the kept answers. */
  unavailable?: boolean;
  /** The writer already chose to send identifying comments as they are; a resend keeps that choice. */
  confirmed?: boolean;
}

/** The survey form's id: the language buttons in the header submit it (see PageOptions). */
export const SURVEY_FORM = 'answers';

export function surveyPage(
  lang: UiLanguage,
  survey: RespondentSurvey,
  action: string,
  state: FormState,
  protection?: SafeHtml,
): SafeHtml {
  const t = STRINGS[lang];
  const errorCount = Object.keys(state.errors).length;
  const warned = Object.keys(state.warnings).length > 0;
  return html`<h1>${survey.title}</h1>
    ${
      state.unavailable
        ? html`<div class="summary" role="alert" tabindex="-1">
            <h2>${t.unavailableTitle}</h2>
            <p>${t.unavailable}</p>
          </div>`
        : ''
    }
    ${promise(t, survey.minGroupSize, protection)}
    ${
      errorCount
        ? html`<div class="summary" role="alert" tabindex="-1">
            <h2>${t.errorsTitle}</h2>
            <ul>
              ${Object.keys(state.errors).map((id) => html`<li><a href="#q_${id}${survey.questions.find((q) => q.id === id)?.type === 'text' ? '' : '-0'}">${survey.questions.find((q) => q.id === id)?.text ?? id}</a></li>`)}
            </ul>
          </div>`
        : ''
    }
    <form method="post" action="${action}" id="${SURVEY_FORM}" novalidate>
      <input type="hidden" name="submission" value="${state.submission}" />
      ${state.confirmed && !warned ? html`<input type="hidden" name="confirm_identifying" value="yes" />` : ''}
      ${survey.questions.map((q) => field(t, q, state.values[q.id], state.errors[q.id], state.warnings[q.id]))}
      ${
        warned
          ? html`<p class="confirm">
              <label for="confirm"
                ><input type="checkbox" id="confirm" name="confirm_identifying" value="yes" /> ${t.sendAnyway}</label
              >
            </p>`
          : ''
      }
      <p><button type="submit">${t.send}</button></p>
    </form>`;
}

export function thanksPage(lang: UiLanguage, protection?: SafeHtml): SafeHtml {
  const t = STRINGS[lang];
  return html`<h1>${t.thanksTitle}</h1>
    <p class="lead">${t.thanks}</p>
    ${protection}`;
}

export function problemPage(lang: UiLanguage, code: string): SafeHtml {
  const t = STRINGS[lang];
  return html`<h1>${code === 'service-unavailable' ? t.unavailableTitle : t.problemTitle}</h1>
    <p class="lead" role="alert">${t.problems[code] ?? t.problems['bad-request']}</p>`;
}

/**
 * The database failed before the survey could even be read, so its form cannot be drawn: every
 * posted field goes back as a hidden one, and "Try again" sends them all once more.
 */
export function replayPage(lang: UiLanguage, action: string, fields: Record<string, string | string[]>): SafeHtml {
  const t = STRINGS[lang];
  const inputs = Object.entries(fields).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => html`<input type="hidden" name="${name}" value="${v}" />`),
  );
  return html`<h1>${t.unavailableTitle}</h1>
    <p class="lead" role="alert">${t.replay}</p>
    <form method="post" action="${action}" novalidate>
      ${inputs}
      <p><button type="submit">${t.retry}</button></p>
    </form>`;
}

export function kioskPage(lang: UiLanguage, action: string, error: string | undefined, typed = ''): SafeHtml {
  const t = STRINGS[lang];
  return html`<h1>${t.kioskTitle}</h1>
    <form method="post" action="${action}" class="kiosk" novalidate>
      <label for="code">${t.kioskLabel}</label>
      <p class="hint" id="code-hint">${t.kioskHelp}</p>
      ${error ? html`<p class="error" id="code-error" role="alert">${error}</p>` : ''}
      <input
        id="code"
        name="code"
        type="text"
        inputmode="numeric"
        autocomplete="off"
        autocapitalize="none"
        spellcheck="false"
        required
        aria-describedby="code-hint${error ? ' code-error' : ''}"
        value="${typed}"
        ${error ? html`aria-invalid="true"` : ''}
      />
      <p><button type="submit">${t.kioskStart}</button></p>
    </form>`;
}

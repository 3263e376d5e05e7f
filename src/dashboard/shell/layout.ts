import { html, type SafeHtml } from '../../pages/html.ts';
import { STRINGS, UI_LANGUAGES, type UiLanguage } from '../../pages/i18n.ts';
import { SHELL } from './strings.ts';

export type Section = 'surveys' | 'roster' | 'settings' | 'account' | null;

/** Who reads the page, as the frame shows it; null on the sign-in page. */
export interface Reader {
  email: string;
  role: string;
  organization: string;
}

export interface LayoutInput {
  lang: UiLanguage;
  title: string;
  body: SafeHtml;
  reader: Reader | null;
  section?: Section;
  /** The path the language switcher returns to. */
  path: string;
}

function languageSwitch(lang: UiLanguage, path: string): SafeHtml {
  const t = SHELL[lang];
  return html`<nav class="languages" aria-label="${t.language}">
    <ul>
      ${UI_LANGUAGES.map(
        (l) =>
          html`<li>
            <a
              href="/hr/language?lang=${l}&amp;next=${encodeURIComponent(path)}"
              lang="${l}"
              hreflang="${l}"
              ${l === lang ? html`aria-current="true"` : ''}
              >${STRINGS[l].languageName}</a
            >
          </li>`,
      )}
    </ul>
  </nav>`;
}

function mainNav(lang: UiLanguage, section: Section, reader: Reader): SafeHtml {
  const t = SHELL[lang];
  const item = (key: Exclude<Section, null>, href: string, label: string) =>
    html`<li><a href="${href}" ${section === key ? html`aria-current="page"` : ''}>${label}</a></li>`;
  return html`<nav class="main-nav" aria-label="${t.mainNav}">
    <ul>
      ${item('surveys', '/hr/surveys', t.surveys)} ${item('roster', '/hr/roster', t.roster)}
      ${item('settings', '/hr/settings', t.settings)}
    </ul>
    <div class="who">
      <a href="/hr/account" ${section === 'account' ? html`aria-current="page"` : ''}
        >${t.signedInAs(reader.email, t.roles[reader.role] ?? reader.role)}</a
      >
      <form method="post" action="/hr/logout"><button type="submit" class="link">${t.signOut}</button></form>
    </div>
  </nav>`;
}

/**
 * The frame of every dashboard page: no script, one same-origin stylesheet, the reader's language,
 * a skip link, and (signed in) the main navigation with the account and sign-out.
 */
export function layout(input: LayoutInput): string {
  const t = SHELL[input.lang];
  const brand = input.reader ? `${input.reader.organization} · Quorum` : 'Quorum';
  return `<!doctype html>${
    html`<html lang="${input.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <!-- same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with a form
          POST, and the same-origin check (guard.ts) refuses every form, sign-in included. -->
        <meta name="referrer" content="same-origin" />
        <title>${input.title} · ${brand}</title>
        <link rel="stylesheet" href="/hr/assets/dashboard.css" />
      </head>
      <body>
        <a class="skip" href="#main">${t.skip}</a>
        <header>
          <span class="brand">${brand} <span class="sub">${t.dashboard}</span></span>
          ${languageSwitch(input.lang, input.path)}
        </header>
        ${input.reader ? mainNav(input.lang, input.section ?? null, input.reader) : ''}
        <main id="main">${input.body}</main>
      </body>
    </html>`.value
  }`;
}

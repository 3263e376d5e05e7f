import { escapeHtml } from '../pages/html.ts';
import { newNicknameCode } from '../invitations/codes.ts';
import type { SurveyDefinition } from '../surveys/questions.ts';
import { people } from '../pages/plural.ts';

export interface MailMessage {
  to: string;
  /** The sender's display name, naming the employer ("Acme via Quorum"); the address is MAIL_FROM's. */
  fromName?: string;
  subject: string;
  text: string;
  html: string;
}

/** A composed mail and the one size every mail of its survey and kind is sealed at (SPEC P1). */
export interface ComposedMail {
  message: MailMessage;
  sealedBytes: number;
}

// The person-dependent parts of a mail are the address (ASCII, at most 254 by RFC 5321; the roster
// refuses others) and the code (twenty digits in groups: every code has one length); the link has
// one length. Composing with the longest of each gives a size no recipient of the survey exceeds.
const MAX_ADDRESS = 'a'.repeat(254);
const MAX_CODE = 'a'.repeat(newNicknameCode().length);

type Kind = 'invitation' | 'reminder';

const COPY: Record<
  string,
  {
    via: (organization: string) => string;
    subject: Record<Kind, string>;
    lines: Record<Kind, string>;
    code: string;
    promise: (k: number) => string;
  }
> = {
  en: {
    via: (organization) => `${organization} via Quorum`,
    subject: { invitation: 'Your voice, anonymously: {title}', reminder: 'Reminder: {title}' },
    lines: {
      invitation: 'You are invited to answer "{title}". It takes a few minutes.',
      reminder:
        'There is still time to answer "{title}". If you already answered, thank you; your new link simply will not open again.',
    },
    code: 'At a kiosk, type this code instead:',
    promise: (k) =>
      `Your answers are stored without your name or the time, and HR sees only groups of at least ${people('en', k)}.`,
  },
  ko: {
    via: (organization) => `${organization} (Quorum)`,
    subject: { invitation: '익명 설문: {title}', reminder: '다시 알림: {title}' },
    lines: {
      invitation: '"{title}" 설문에 참여해 주세요. 몇 분이면 됩니다.',
      reminder:
        '"{title}" 설문에 아직 참여할 수 있습니다. 이미 응답하셨다면 감사합니다. 새 링크는 다시 열리지 않습니다.',
    },
    code: '키오스크에서는 다음 코드를 입력하세요:',
    promise: (k) => `응답은 이름과 시각 없이 저장되며, HR은 ${people('ko', k)} 이상인 그룹의 결과만 볼 수 있습니다.`,
  },
  pl: {
    via: (organization) => `${organization} przez Quorum`,
    subject: { invitation: 'Twój głos, anonimowo: {title}', reminder: 'Przypomnienie: {title}' },
    lines: {
      invitation: 'Zapraszamy do wypełnienia ankiety „{title}”. To zajmie kilka minut.',
      reminder:
        'Wciąż możesz wypełnić ankietę „{title}”. Jeśli już to zrobiłeś/zrobiłaś, dziękujemy; nowy link po prostu się nie otworzy.',
    },
    code: 'W kiosku wpisz zamiast tego kod:',
    promise: (k) =>
      `Odpowiedzi zapisujemy bez imienia i godziny, a HR widzi tylko grupy liczące co najmniej ${people('pl', k, 'accusative')}.`,
  },
};

/** Who the mail is from and in which language its recipient reads it (see reader-language.ts). */
export interface MailReader {
  organizationName: string;
  language: string;
}

/** The languages a survey's mail can be written in: those it is offered in that have a template. */
function mailLanguages(definition: SurveyDefinition): string[] {
  const offered = definition.languages.filter((l) => COPY[l]);
  return offered.length ? offered : ['en'];
}

/**
 * One e-mail in its recipient's language only (issue 14), with the size it is sealed at: the
 * largest of every language, kind, address and code of the survey, so a mail's length tells
 * neither its recipient's language nor their address's length (reminders go to non-responders
 * only, so either would sort who answered).
 */
export function composeMail(
  kind: Kind,
  definition: SurveyDefinition,
  minGroupSize: number,
  to: string,
  link: string,
  code: string,
  reader: MailReader,
): ComposedMail {
  const longest = mailLanguages(definition).flatMap((language) =>
    // Invitations and reminders share the size, so the outbox never tells one kind from the other.
    (['invitation', 'reminder'] as const).map((k) =>
      Buffer.byteLength(
        JSON.stringify(render(k, definition, minGroupSize, MAX_ADDRESS, link, MAX_CODE, { ...reader, language })),
        'utf8',
      ),
    ),
  );
  return { message: render(kind, definition, minGroupSize, to, link, code, reader), sealedBytes: Math.max(...longest) };
}

function render(
  kind: Kind,
  definition: SurveyDefinition,
  minGroupSize: number,
  to: string,
  link: string,
  code: string,
  reader: MailReader,
): MailMessage {
  const languages = mailLanguages(definition);
  const lang = languages.includes(reader.language)
    ? reader.language
    : languages.includes(definition.defaultLanguage)
      ? definition.defaultLanguage
      : languages[0]!;
  const c = COPY[lang]!;
  const title = definition.title[lang] ?? definition.title[definition.defaultLanguage]!;
  const fill = (s: string) => s.replaceAll('{title}', title);
  // The page opens in the mail's language; every code is two letters, so the link keeps one length.
  const url = `${link}?lang=${lang}`;
  return {
    to,
    fromName: c.via(reader.organizationName),
    subject: fill(c.subject[kind]),
    text: `${fill(c.lines[kind])}\n\n${url}\n\n${c.code} ${code}\n\n${c.promise(minGroupSize)}`,
    html: `<!doctype html><html lang="${lang}"><body><p>${escapeHtml(fill(c.lines[kind]))}</p><p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p><p>${escapeHtml(c.code)} <code>${escapeHtml(code)}</code></p><p>${escapeHtml(c.promise(minGroupSize))}</p></body></html>`,
  };
}

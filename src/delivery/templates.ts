import { escapeHtml } from '../pages/html.ts';
import { newNicknameCode } from '../invitations/codes.ts';
import type { SurveyDefinition } from '../surveys/questions.ts';

export interface MailMessage {
  to: string;
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
  { subject: Record<Kind, string>; lines: Record<Kind, string>; code: string; promise: (k: number) => string }
> = {
  en: {
    subject: { invitation: 'Your voice, anonymously: {title}', reminder: 'Reminder: {title}' },
    lines: {
      invitation: 'You are invited to answer "{title}". It takes a few minutes.',
      reminder:
        'There is still time to answer "{title}". If you already answered, thank you; your new link simply will not open again.',
    },
    code: 'At a kiosk, type this code instead:',
    promise: (k) =>
      `Your answers are stored without your name or the time, and HR sees only groups of at least ${k} people.`,
  },
  ko: {
    subject: { invitation: '익명 설문: {title}', reminder: '다시 알림: {title}' },
    lines: {
      invitation: '"{title}" 설문에 참여해 주세요. 몇 분이면 됩니다.',
      reminder:
        '"{title}" 설문에 아직 참여할 수 있습니다. 이미 응답하셨다면 감사합니다. 새 링크는 다시 열리지 않습니다.',
    },
    code: '키오스크에서는 다음 코드를 입력하세요:',
    promise: (k) => `응답은 이름과 시각 없이 저장되며, HR은 ${k}명 이상인 그룹의 결과만 볼 수 있습니다.`,
  },
  pl: {
    subject: { invitation: 'Twój głos, anonimowo: {title}', reminder: 'Przypomnienie: {title}' },
    lines: {
      invitation: 'Zapraszamy do wypełnienia ankiety „{title}”. To zajmie kilka minut.',
      reminder:
        'Wciąż możesz wypełnić ankietę „{title}”. Jeśli już to zrobiłeś/zrobiłaś, dziękujemy; nowy link po prostu się nie otworzy.',
    },
    code: 'W kiosku wpisz zamiast tego kod:',
    promise: (k) => `Odpowiedzi zapisujemy bez imienia i godziny, a HR widzi tylko grupy co najmniej ${k} osób.`,
  },
};

/**
 * One e-mail in every language of the survey that has a template, the survey's default first, with
 * the size it is sealed at: a mail's length must not tell its address's length (reminders go to
 * non-responders only, so that would sort who answered by address length).
 */
export function composeMail(
  kind: Kind,
  definition: SurveyDefinition,
  minGroupSize: number,
  to: string,
  link: string,
  code: string,
): ComposedMail {
  // Invitations and reminders share the size, so the outbox never tells one kind from the other.
  const longest = (['invitation', 'reminder'] as const).map((k) =>
    Buffer.byteLength(JSON.stringify(render(k, definition, minGroupSize, MAX_ADDRESS, link, MAX_CODE)), 'utf8'),
  );
  return { message: render(kind, definition, minGroupSize, to, link, code), sealedBytes: Math.max(...longest) };
}

function render(
  kind: Kind,
  definition: SurveyDefinition,
  minGroupSize: number,
  to: string,
  link: string,
  code: string,
): MailMessage {
  const languages = [
    definition.defaultLanguage,
    ...definition.languages.filter((l) => l !== definition.defaultLanguage),
  ].filter((l) => COPY[l]);
  if (languages.length === 0) languages.push('en');
  const title = (lang: string) => definition.title[lang] ?? definition.title[definition.defaultLanguage]!;
  const fill = (s: string, lang: string) => s.replaceAll('{title}', title(lang));
  const sections = languages.map((lang) => {
    const c = COPY[lang]!;
    return {
      text: `${fill(c.lines[kind], lang)}\n\n${link}\n\n${c.code} ${code}\n\n${c.promise(minGroupSize)}`,
      html: `<div lang="${lang}"><p>${escapeHtml(fill(c.lines[kind], lang))}</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p><p>${escapeHtml(c.code)} <code>${escapeHtml(code)}</code></p><p>${escapeHtml(c.promise(minGroupSize))}</p></div>`,
    };
  });
  return {
    to,
    subject: fill(COPY[languages[0]!]!.subject[kind], languages[0]!),
    text: sections.map((s) => s.text).join('\n\n———\n\n'),
    html: `<!doctype html><html><body>${sections.map((s) => s.html).join('<hr>')}</body></html>`,
  };
}

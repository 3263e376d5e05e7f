import { createHash } from 'node:crypto';
import QRCode from 'qrcode';
import { nicknameOf } from './codes.ts';

// Cards are cut apart along the dashed lines, so none may break across a page. No word is broken
// mid-word: Korean wraps between words only (keep-all), nothing is hyphenated automatically, and
// the one long unbroken string (the kiosk address) gets break opportunities after its slashes.
const STYLE = `@page{size:A4;margin:10mm}body{font-family:system-ui,sans-serif;margin:0;color:#000}
main{display:grid;grid-template-columns:repeat(2,1fr)}h1{font-size:15px;margin:8px}
.card{border:1px dashed #666;padding:10px 12px;break-inside:avoid;page-break-inside:avoid;font-size:11px;line-height:1.35;hyphens:manual;overflow-wrap:normal;word-break:normal}
:lang(ko){word-break:keep-all}.top{display:flex;gap:10px;align-items:flex-start}.top svg{width:88px;height:88px;flex:none}
.nick{font-size:16px;font-weight:600;margin:0 0 2px}.code{font-family:ui-monospace,monospace;font-size:17px;font-weight:700;margin:6px 0;letter-spacing:.5px}
.code span{white-space:nowrap}.url{font-family:ui-monospace,monospace;font-size:11px}ol{margin:4px 0 4px 18px;padding:0}p{margin:4px 0}
.promise{font-style:italic}section+section{border-top:1px dotted #aaa;margin-top:6px;padding-top:4px}
@media print{h1{display:none}}`;

/** CSP hash of the one inline style, so the sheet needs no 'unsafe-inline'. */
export const SHEET_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface CardCopy {
  heading: (count: number) => string;
  steps: (url: string) => [string, string, string];
  promise: (k: number) => string;
}

const COPY: Record<string, CardCopy> = {
  en: {
    heading: (n) => `${n} survey codes. Cut along the dashed lines and hand the cards out at random.`,
    steps: (url) => [
      `Open ${url} or scan the QR code.`,
      'Type the 20 digits on this card; spaces do not matter.',
      'Answer the survey. The card works once.',
    ],
    promise: (k) =>
      `Cards are handed out at random, so this code is not tied to your name. Results are shown only for groups of at least ${k} people: nobody, not HR nor your manager, can see what you answered.`,
  },
  ko: {
    heading: (n) => `설문 코드 ${n}장. 점선을 따라 자르고 무작위로 나눠 주세요.`,
    steps: (url) => [
      `${url} 에 접속하거나 QR 코드를 스캔하세요.`,
      '이 카드의 숫자 20자리를 입력하세요. 띄어쓰기는 상관없습니다.',
      '설문에 응답하세요. 카드는 한 번만 쓸 수 있습니다.',
    ],
    promise: (k) =>
      `카드는 무작위로 나눠 주므로 이 코드는 이름과 연결되지 않습니다. 결과는 ${k}명 이상인 그룹으로만 공개되며, HR도 관리자도 누가 무엇을 답했는지 볼 수 없습니다.`,
  },
  pl: {
    heading: (n) => `Kody do ankiety: ${n}. Potnij wzdłuż przerywanych linii i rozdaj karty losowo.`,
    steps: (url) => [
      `Otwórz ${url} albo zeskanuj kod QR.`,
      'Wpisz 20 cyfr z tej karty; spacje nie mają znaczenia.',
      'Odpowiedz na pytania. Karta działa tylko raz.',
    ],
    promise: (k) =>
      `Karty są rozdawane losowo, więc ten kod nie jest powiązany z Twoim nazwiskiem. Wyniki są pokazywane tylko dla grup co najmniej ${k} osób: nikt, ani HR, ani przełożony, nie zobaczy Twoich odpowiedzi.`,
  },
};

const copyOf = (language: string) => COPY[language] ?? COPY.en!;

/** The address as HTML with a break opportunity after each slash: it wraps without breaking a word. */
const breakableUrl = (url: string) => escapeHtml(url).replace(/(?<!\/)\/(?!\/)/g, '/<wbr>');

export interface SheetOptions {
  title: string;
  /** The survey's languages, its default first. */
  languages: string[];
  /** PUBLIC_URL + the organization's kiosk path. */
  kioskUrl: string;
  minGroupSize: number;
  codes: string[];
}

/**
 * A printable sheet of anonymous pool codes, cut into cards: each card has the code's nickname in
 * every language of the survey, its digits, the kiosk address with a QR code, three lines of
 * instructions and the privacy promise. The QR code encodes the kiosk address only, the same on
 * every card: a token in it would make each card a per-person link (P5, P7). No names anywhere.
 */
export async function renderCodeSheet(options: SheetOptions): Promise<string> {
  const languages = options.languages.length > 0 ? options.languages : ['en'];
  const qr = await QRCode.toString(options.kioskUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  const url = breakableUrl(options.kioskUrl);
  const card = (code: string) => {
    const nicknames = languages
      .map((l) => `<p class="nick" lang="${escapeHtml(l)}">${escapeHtml(nicknameOf(code, l))}</p>`)
      .join('');
    const digits = code
      .split(' ')
      .map((group) => `<span>${group}</span>`)
      .join(' ');
    const sections = languages
      .map((l) => {
        const copy = copyOf(l);
        const steps = copy.steps(url).map((s) => `<li>${s}</li>`);
        return `<section lang="${escapeHtml(l)}"><ol>${steps.join('')}</ol><p class="promise">${escapeHtml(copy.promise(options.minGroupSize))}</p></section>`;
      })
      .join('');
    return `<div class="card"><div class="top">${qr}<div>${nicknames}<p class="code">${digits}</p><p class="url">${url}</p></div></div>${sections}</div>`;
  };
  const primary = languages[0]!;
  return `<!doctype html><html lang="${escapeHtml(primary)}"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(options.title)} — ${escapeHtml(copyOf(primary).heading(options.codes.length))}</h1><main>${options.codes.map(card).join('')}</main></body></html>`;
}

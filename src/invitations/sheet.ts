import { createHash } from 'node:crypto';
import QRCode from 'qrcode';

const STYLE = `body{font-family:system-ui,sans-serif;margin:0}main{display:grid;grid-template-columns:repeat(3,1fr);gap:0}
.card{border:1px dashed #888;padding:10px;break-inside:avoid;text-align:center}.card svg{width:120px;height:120px}
.code{font-family:ui-monospace,monospace;font-size:13px;word-break:break-all}h1{font-size:16px;margin:8px}
@media print{h1{display:none}}`;

/** CSP hash of the one inline style, so the sheet needs no 'unsafe-inline'. */
export const SHEET_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A printable sheet of anonymous codes, each with a QR code of its link; no names anywhere. */
export async function renderCodeSheet(title: string, entries: Array<{ code: string; link: string }>): Promise<string> {
  const cards = await Promise.all(
    entries.map(async (e) => {
      const svg = await QRCode.toString(e.link, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return `<div class="card">${svg}<div class="code">${escapeHtml(e.code)}</div></div>`;
    }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)} — ${entries.length} codes. Cut along the lines; hand them out at random.</h1><main>${cards.join('')}</main></body></html>`;
}

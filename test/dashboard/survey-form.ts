/** The fields a browser would send for a form of a dashboard page: what the page itself holds. */
const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescape(m[1]!) : undefined;
};
const has = (tag: string, name: string) => new RegExp(`\\s${name}(\\s|>|/|$)`).test(tag);

export function formFields(page: string, action: string): Record<string, string> {
  const start = page.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = page.slice(start, page.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, 'name');
    const type = attr(tag, 'type') ?? 'text';
    if (!name || has(tag, 'disabled')) continue;
    if ((type === 'checkbox' || type === 'radio') && !has(tag, 'checked')) continue;
    fields[name] = attr(tag, 'value') ?? '';
  }
  for (const m of form.matchAll(/<textarea\b([^>]*)>\n?([\s\S]*?)<\/textarea/g))
    fields[attr(m[1]!, 'name')!] = unescape(m[2]!);
  for (const m of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const selected =
      /<option\b[^>]*value="([^"]*)"[^>]*\sselected/.exec(m[2]!) ?? /<option\b[^>]*value="([^"]*)"/.exec(m[2]!);
    fields[attr(m[1]!, 'name')!] = unescape(selected?.[1] ?? '');
  }
  return fields;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../../src/audit/service.ts';
import { getOrganization } from '../../src/orgs/service.ts';
import { countParticipants, listDimensions, listParticipants } from '../../src/roster/service.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { buildAccount, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { getPage, postForm, SAME_ORIGIN, signIn } from '../helpers/dashboard.ts';
import { declareDimensions, importCsv } from '../helpers/roster.ts';

let t: TestApp;
let org: TestOrg;
let admin: string;
let owner: string;
let analyst: string;

const DIMENSIONS = [
  { key: 'department', label: 'Department', reportable: true },
  { key: 'location', label: 'Location', reportable: true },
  { key: 'level', label: 'Level', reportable: false },
];
const HEADER = 'external_id,email,name,department,location,level';

/** A multipart/form-data body as a browser builds it from the upload form. */
function multipart(fields: Record<string, string>, file?: { name: string; type: string; content: Buffer | string }) {
  const boundary = '----quorumtest' + Math.random().toString(16).slice(2);
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function upload(cookie: string, fields: Record<string, string>, file?: Parameters<typeof multipart>[1]) {
  const body = multipart(fields, file);
  return t.app.inject({
    method: 'POST',
    url: '/hr/roster/import',
    headers: { 'content-type': body.contentType, origin: SAME_ORIGIN, cookie },
    payload: body.payload,
  });
}

const csvFile = (content: string) => ({ name: 'roster.csv', type: 'text/csv', content });
const people = async () =>
  (await listParticipants(t.app.db, org.id, 1000, undefined)).map((p) => [p.external_id, p.active]);

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  await declareDimensions(t.app, await tokenFor(t.app, org, 'owner'), DIMENSIONS);
  admin = await signIn(t.app, org.slug, (await buildAccount(t.app, org, 'admin')).email);
  analyst = await signIn(t.app, org.slug, (await buildAccount(t.app, org, 'analyst')).email);
  owner = await signIn(t.app, org.slug, org.ownerEmail);
});
afterAll(async () => t?.close());

describe('GET /hr/roster', () => {
  it('when an admin opens it, then the declared dimensions, the count and the upload form are shown', async () => {
    const page = await getPage(t.app, admin, '/hr/roster');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<code>department</code>');
    expect(page.body).toContain('Department');
    expect(page.body).toContain('0 participants');
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toContain('their open invitations are revoked');
  });

  it('when an analyst opens roster pages, then 403 (the API lists participants for admins only)', async () => {
    expect((await getPage(t.app, analyst, '/hr/roster')).statusCode).toBe(403);
    expect((await getPage(t.app, analyst, '/hr/roster/dimensions')).statusCode).toBe(403);
    const posted = await upload(analyst, { mode: 'upsert' }, csvFile(`${HEADER}\nX1,,,Sales,Seoul,L1\n`));
    expect(posted.statusCode).toBe(403);
    expect(await countParticipants(t.app.db, org.id)).toEqual({ total: 0, active: 0 });
  });
});

describe('POST /hr/roster/import', () => {
  it('when a file has a bad row, then the report shows its row, field and reason, and nothing changes', async () => {
    const csv = `${HEADER}\nE1,e1@example.com,One,Sales,Seoul,L1\nE2,not-an-address,Two,Sales,Seoul,L1\n`;
    const page = await upload(admin, { mode: 'upsert' }, csvFile(csv));
    expect(page.statusCode).toBe(422);
    expect(page.body).toContain('The import was refused: nothing changed');
    expect(page.body).toMatch(
      /<td class="num">3<\/td>\s*<td><code>email<\/code><\/td>\s*<td>is not an e-mail address<\/td>/,
    );
    expect(page.body).toContain('1 problem.');
    expect(await countParticipants(t.app.db, org.id)).toEqual({ total: 0, active: 0 });
  });

  it('when a good file is uploaded, then it is imported through the API’s import and the counts are shown', async () => {
    const csv = `${HEADER}\nE1,e1@example.com,Ann One,Sales,Seoul,L1\nE2,e2@example.com,Bo Two,Support,Busan,L2\nE3,,,Support,Seoul,L2\n`;
    const posted = await upload(admin, { mode: 'upsert' }, csvFile(csv));
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/hr/roster?done=imported&inserted=3&updated=0&deactivated=0&revoked=0');
    const page = await getPage(t.app, admin, posted.headers.location!);
    expect(page.body).toContain('The roster was imported.');
    expect(page.body).toContain('<dd data-count="inserted">3</dd>');
    expect(page.body).toContain('3 participants');
    expect(page.body).toMatch(/<th scope="row">E2<\/th>\s*<td>active<\/td>\s*<td>Support<\/td>\s*<td>Busan<\/td>/);
    // HR holds the roster file already: the screen shows no e-mail and no name.
    expect(page.body).not.toContain('e1@example.com');
    expect(page.body).not.toContain('Ann One');
    expect(await people()).toEqual([
      ['E1', true],
      ['E2', true],
      ['E3', true],
    ]);
  });

  it('when a file is synchronised, then a leaver absent from it is deactivated', async () => {
    const csv = `${HEADER}\nE1,e1@example.com,Ann One,Sales,Seoul,L1\nE3,,,Support,Seoul,L3\n`;
    const posted = await upload(admin, { mode: 'sync' }, csvFile(csv));
    expect(posted.headers.location).toBe('/hr/roster?done=imported&inserted=0&updated=2&deactivated=1&revoked=0');
    const page = await getPage(t.app, admin, posted.headers.location!);
    expect(page.body).toContain('<dd data-count="deactivated">1</dd>');
    expect(page.body).toMatch(/<th scope="row">E2<\/th>\s*<td>left \(inactive\)<\/td>/);
    expect(await people()).toEqual([
      ['E1', true],
      ['E2', false],
      ['E3', true],
    ]);
  });

  it('when the CSV is pasted into the text area instead, then it is imported the same way', async () => {
    const posted = await postForm(t.app, admin, '/hr/roster/import', {
      mode: 'upsert',
      csv: `${HEADER}\nE4,,,Sales,Busan,L1\n`,
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toContain('inserted=1');
    expect(await countParticipants(t.app.db, org.id)).toEqual({ total: 4, active: 3 });
  });

  it('when the file is not CSV, too big, or nothing is sent, then a 4xx page says why and nothing changes', async () => {
    const before = await people();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0xfe]);
    const notCsv = await upload(admin, { mode: 'sync' }, { name: 'photo.png', type: 'image/png', content: png });
    expect(notCsv.statusCode).toBe(415);
    expect(notCsv.body).toContain('This is not a CSV text file');
    const binary = await upload(admin, { mode: 'sync' }, { name: 'roster.csv', type: 'text/csv', content: png });
    expect(binary.statusCode).toBe(415);
    const big = `${HEADER}\n${Array.from({ length: 14_000 }, (_, i) => `B${i},,,Sales,Seoul,L1\n`).join('')}`; // ~300 KiB
    const tooBig = await upload(admin, { mode: 'sync' }, csvFile(big));
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.body).toContain('larger than 256 KiB');
    // Pasted into the text area of the multipart form: the parser would cut it, and half a roster
    // synchronised would deactivate the other half.
    const pastedBig = await upload(admin, { mode: 'sync', csv: big });
    expect(pastedBig.statusCode).toBe(413);
    expect(pastedBig.body).toContain('larger than 256 KiB');
    const empty = await upload(admin, { mode: 'sync' }, csvFile(''));
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Choose a CSV file or paste the CSV text.');
    const nothing = await postForm(t.app, admin, '/hr/roster/import', { mode: 'sync' });
    expect(nothing.statusCode).toBe(400);
    const headerOnly = await upload(admin, { mode: 'sync' }, csvFile('nope,columns\n'));
    expect(headerOnly.statusCode).toBe(422);
    expect(headerOnly.body).toContain('<code>nope</code>');
    const twoFiles = multipart({ mode: 'sync' }, csvFile(`${HEADER}\n`));
    const second = Buffer.from(twoFiles.payload.toString('latin1').replace(/--\r\n$/, `\r\n`), 'latin1');
    const boundary = twoFiles.contentType.split('boundary=')[1]!;
    const doubled = Buffer.concat([
      second,
      Buffer.from(
        `Content-Disposition: form-data; name="file2"; filename="b.csv"\r\nContent-Type: text/csv\r\n\r\n${HEADER}\r\n--${boundary}--\r\n`,
      ),
    ]);
    const many = await t.app.inject({
      method: 'POST',
      url: '/hr/roster/import',
      headers: { 'content-type': twoFiles.contentType, origin: SAME_ORIGIN, cookie: admin },
      payload: doubled,
    });
    expect(many.statusCode).toBe(413);
    expect(await people()).toEqual(before);
  });

  it('when an import is posted from another site, then it is refused before the body is read', async () => {
    const body = multipart({ mode: 'sync' }, csvFile(`${HEADER}\n`));
    const crossSite = await t.app.inject({
      method: 'POST',
      url: '/hr/roster/import',
      headers: { 'content-type': body.contentType, origin: 'https://evil.example', cookie: admin },
      payload: body.payload,
    });
    expect(crossSite.statusCode).toBe(403);
    expect((await countParticipants(t.app.db, org.id)).active).toBe(3);
  });

  it('when imports were made, then the audit log has them with the form’s field names and no roster value', async () => {
    await t.app.auditWritten();
    const entries = (await listAuditEntries(t.app.db, org.id, 100, undefined)).filter(
      (e) => e.action === 'POST /hr/roster/import',
    );
    expect(entries.length).toBe(3); // the successful imports: refused ones (4xx) changed nothing and are not recorded
    // Entries are written after each answer, so their order is not asserted here.
    expect(entries.map((e) => e.details).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { fields: ['csv', 'mode'] },
      { fields: ['file', 'mode'] },
      { fields: ['file', 'mode'] },
    ]);
    expect(JSON.stringify(entries)).not.toContain('Seoul');
    expect(JSON.stringify(entries)).not.toContain('e1@example.com');
  });
});

describe('/hr/roster/dimensions', () => {
  it('when an admin saves the dimensions, then they are replaced through the API’s service', async () => {
    const page = await getPage(t.app, admin, '/hr/roster/dimensions');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('frozen when it first opens');
    expect(page.body).toContain('value="department"');
    const saved = await postForm(t.app, admin, '/hr/roster/dimensions', {
      key_0: 'department',
      label_0: 'Dept',
      reportable_0: 'on',
      key_1: 'location',
      label_1: 'Site',
      reportable_1: 'on',
      key_2: 'level',
      label_2: 'Level',
      key_3: 'tenure_band',
      label_3: 'Tenure',
      reportable_3: 'on',
      key_4: '',
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/hr/roster/dimensions?done=dimensions');
    expect(await listDimensions(t.app.db, org.id)).toEqual([
      { key: 'department', label: 'Dept', reportable: true },
      { key: 'location', label: 'Site', reportable: true },
      { key: 'level', label: 'Level', reportable: false },
      { key: 'tenure_band', label: 'Tenure', reportable: true },
    ]);
    expect((await getPage(t.app, admin, saved.headers.location!)).body).toContain('The dimensions were saved.');
  });

  it('when a key is malformed, duplicated or language is reportable, then the form says so and nothing changes', async () => {
    const before = await listDimensions(t.app.db, org.id);
    const bad = await postForm(t.app, admin, '/hr/roster/dimensions', { key_0: 'Department!', key_1: 'level' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="f-key_0-error"');
    expect(bad.body).toContain('Use lowercase letters, digits and _');
    expect(bad.body).toContain('value="Department!"');
    const twice = await postForm(t.app, admin, '/hr/roster/dimensions', { key_0: 'level', key_1: 'level' });
    expect(twice.statusCode).toBe(400);
    expect(twice.body).toContain('Each key may appear only once.');
    const language = await postForm(t.app, admin, '/hr/roster/dimensions', { key_0: 'language', reportable_0: 'on' });
    expect(language.statusCode).toBe(400);
    expect(language.body).toContain('The language dimension can never be reportable.');
    expect(await listDimensions(t.app.db, org.id)).toEqual(before);
  });

  it('when the owner allows pairs, then the organization’s reportable pairs are saved; an admin may not', async () => {
    const asAdmin = await getPage(t.app, admin, '/hr/roster/dimensions');
    expect(asAdmin.body).toContain('Only an owner can change the pairs.');
    expect(asAdmin.body).not.toContain('action="/hr/roster/pairs"');
    expect((await postForm(t.app, admin, '/hr/roster/pairs', { pair: 'department|location' })).statusCode).toBe(403);
    const form = await getPage(t.app, owner, '/hr/roster/dimensions');
    expect(form.body).toContain('value="department|location"');
    expect(form.body).toContain('Dept × Tenure');
    const saved = await postForm(t.app, owner, '/hr/roster/pairs', {
      pair: ['department|location', 'location|tenure_band'],
    });
    expect(saved.statusCode).toBe(303);
    expect((await getOrganization(t.app.db, org.id)).reportable_pairs).toEqual([
      ['department', 'location'],
      ['location', 'tenure_band'],
    ]);
    const page = await getPage(t.app, owner, saved.headers.location!);
    expect(page.body).toContain('The pairs were saved.');
    expect(page.body).toMatch(/value="department\|location"\s+checked/);
    const notReportable = await postForm(t.app, owner, '/hr/roster/pairs', { pair: 'department|level' });
    expect(notReportable.statusCode).toBe(400);
    expect((await getOrganization(t.app.db, org.id)).reportable_pairs).toHaveLength(2);
    // A dimension with itself (found by the issue 15 audit: it replaced every declared pair).
    const withItself = await postForm(t.app, owner, '/hr/roster/pairs', { pair: 'department|department' });
    expect(withItself.statusCode).toBe(400);
    expect((await getOrganization(t.app.db, org.id)).reportable_pairs).toHaveLength(2);
    const cleared = await postForm(t.app, owner, '/hr/roster/pairs', {});
    expect(cleared.statusCode).toBe(303);
    expect((await getOrganization(t.app.db, org.id)).reportable_pairs).toEqual([]);
  });
});

describe('GET /hr/roster paging', () => {
  it('when the roster has more than a page, then the table pages on by external id', async () => {
    const token = await tokenFor(t.app, org, 'admin');
    const rows = Array.from({ length: 60 }, (_, i) => `Q${String(i).padStart(2, '0')},,,Sales,Seoul,L1`);
    const imported = await importCsv(
      t.app,
      token,
      `external_id,email,name,department,location,level\n${rows.join('\n')}\n`,
    );
    expect(imported.statusCode, imported.body).toBe(200);
    const first = await getPage(t.app, admin, '/hr/roster');
    const shown = (body: string) => [...body.matchAll(/<th scope="row">([EQ]\d+)<\/th>/g)].map((m) => m[1]);
    expect(shown(first.body)).toHaveLength(50);
    const next = /href="(\/hr\/roster\?after=[^"#]+)#participants"/.exec(first.body)?.[1];
    expect(next).toBe('/hr/roster?after=Q45');
    const second = await getPage(t.app, admin, next!);
    expect(shown(second.body)).toEqual([
      'Q46',
      'Q47',
      'Q48',
      'Q49',
      'Q50',
      'Q51',
      'Q52',
      'Q53',
      'Q54',
      'Q55',
      'Q56',
      'Q57',
      'Q58',
      'Q59',
    ]);
    expect(second.body).not.toContain('>Next page<');
    expect(second.body).toContain('href="/hr/roster#participants"');
  });
});

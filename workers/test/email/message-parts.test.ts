import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PermanentError } from '@burrow/shared';
import {
  addressList,
  isDeliverableAddress,
  maskAddress,
  messageIdFor,
  parseMailbox,
  uniqueAddresses,
} from '../../src/email/addresses';
import { checkHeaders, loadAttachments } from '../../src/email/message-parts';
import { bodySources, compileTemplate, mergeValues } from '../../src/email/template';

describe('addresses', () => {
  it('accepts plain and international addresses, refuses what a mail library would split', () => {
    for (const ok of ['ann@example.com', 'a.b+tag@sub.example.co.uk', 'jörg@bücher.de'])
      expect(isDeliverableAddress(ok)).toBe(true);
    for (const bad of [
      'x,y@example.com',
      '"a"@example.com',
      'a@b',
      'a <b@c.d>',
      'a@-x.com',
      'a@x..com',
    ])
      expect(isDeliverableAddress(bad)).toBe(false);
  });

  it('normalises one or many, masks in errors, dedupes case-insensitively', () => {
    expect(addressList('ann@example.com', 'to')).toEqual(['ann@example.com']);
    expect(() => addressList(['ann@example.com', 'john;x@example.com'], 'cc')).toThrow(
      /cc: not a deliverable address: j\*\*\*@example.com/,
    );
    expect(maskAddress('john@example.com')).toBe('j***@example.com');
    expect(messageIdFor('5e2c4a0e-8f6b', 'x.test')).toBe('<5e2c4a0e-8f6b@x.test>');
    expect(messageIdFor('cron:daily@08:00 é', 'x.test', 3)).toBe(
      '<cron=3Adaily=4008=3A00=20=C3=A9.3@x.test>',
    );
    expect(uniqueAddresses(['A@x.com', 'b@x.com'], ['a@X.com'])).toEqual(['A@x.com', 'b@x.com']);
  });

  it('parses a Django sender with or without a display name', () => {
    expect(parseMailbox('Shop <shop@example.com>', 'from')).toEqual({
      name: 'Shop',
      address: 'shop@example.com',
    });
    expect(parseMailbox('"Shop, Inc." <shop@example.com>', 'from').name).toBe('Shop, Inc.');
    expect(parseMailbox('shop@example.com', 'from')).toEqual({ address: 'shop@example.com' });
    expect(() => parseMailbox('Shop <not-an-address>', 'from')).toThrow(PermanentError);
    // The configured sender (SMTP_FROM, default burrow@localhost) may be local; a caller's may not.
    expect(parseMailbox('burrow@localhost', 'SMTP_FROM', true)).toEqual({
      address: 'burrow@localhost',
    });
    expect(() => parseMailbox('burrow@localhost', 'from_email')).toThrow(PermanentError);
  });
});

describe('extra headers', () => {
  it('keeps custom headers and refuses reserved names, bad names and line breaks', () => {
    expect(checkHeaders({ 'X-Campaign': 'a', 'List-Unsubscribe': '<mailto:u@x.com>' })).toEqual({
      'X-Campaign': 'a',
      'List-Unsubscribe': '<mailto:u@x.com>',
    });
    expect(checkHeaders(undefined)).toBeUndefined();
    expect(() => checkHeaders({ bcc: 'e@vil.com' })).toThrow(/set by burrow/);
    expect(() => checkHeaders({ 'Bad Name': 'x' })).toThrow(/not valid/);
    expect(() => checkHeaders({ 'X-A': 'a\nBcc: e@vil.com' })).toThrow(/line breaks/);
  });
});

describe('attachments', () => {
  let root: string;
  let allowed: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-parts-'));
    allowed = path.join(root, 'allowed');
    fs.mkdirSync(path.join(allowed, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(allowed, 'sub', 'report.csv'), 'a,b\n1,2\n');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(allowed, 'link-out.txt'));
    fs.symlinkSync(path.join(allowed, 'sub', 'report.csv'), path.join(allowed, 'link-in.csv'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loads base64 content and files inside the directory, relative or absolute, via inner symlinks', async () => {
    const loaded = await loadAttachments(
      [
        { filename: 'a.txt', content_base64: Buffer.from('hi').toString('base64') },
        { filename: 'r.csv', path: 'sub/report.csv', content_type: 'text/csv' },
        { filename: 'r2.csv', path: path.join(allowed, 'sub/report.csv') },
        { filename: 'r3.csv', path: 'link-in.csv' },
      ],
      allowed,
    );
    expect(loaded.map((a) => [a.filename, a.content.toString(), a.contentType])).toEqual([
      ['a.txt', 'hi', undefined],
      ['r.csv', 'a,b\n1,2\n', 'text/csv'],
      ['r2.csv', 'a,b\n1,2\n', undefined],
      ['r3.csv', 'a,b\n1,2\n', undefined],
    ]);
  });

  it.each([
    ['../secret.txt', /outside the attachments directory/],
    ['/etc/passwd', /outside the attachments directory/],
    ['link-out.txt', /outside the attachments directory/],
    ['sub', /is not a file/],
    ['nope.txt', /not found/],
  ])('refuses %s', async (requested, message) => {
    const error = await loadAttachments([{ filename: 'x', path: requested }], allowed).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses every path when no directory is configured', async () => {
    await expect(
      loadAttachments([{ filename: 'x', path: path.join(allowed, 'sub/report.csv') }], ''),
    ).rejects.toThrow(/EMAIL_ATTACHMENTS_DIR is not set/);
  });
});

describe('templates', () => {
  it('fills placeholders, empties unknown ones and escapes values in HTML only', () => {
    const values = mergeValues({
      email: 'a@x.com',
      name: 'A & B',
      fields: { city: 'Oslo', name: 'no' },
    });
    expect(values).toEqual({ city: 'Oslo', email: 'a@x.com', name: 'A & B' });
    expect(
      compileTemplate('Hi {{name}} from {{ city }}{{missing}}!', { html: false })(values),
    ).toBe('Hi A & B from Oslo!');
    expect(compileTemplate('<b>{{name}}</b>', { html: true })(values)).toBe('<b>A &amp; B</b>');
    expect(mergeValues('b@x.com')).toEqual({ email: 'b@x.com', name: '' });
  });

  it('takes the body, else a known template, else refuses', () => {
    expect(bodySources({ body: 't' })).toEqual({ text: 't' });
    expect(bodySources({ template: 'daily_digest' }).html).toContain('{{digest}}');
    expect(() => bodySources({ template: 'nope' })).toThrow(/unknown template nope/);
    expect(() => bodySources({})).toThrow(/give body, html or template/);
  });
});

// A local mail catcher for the fleet: an SMTP server on SMTP_PORT (1025) that accepts every
// message, prints one line per mail and keeps the last 200 in memory, and a page on
// MAIL_CATCHER_HTTP_PORT (8025) listing them (JSON at /messages, one message's source at
// /messages/<n>.eml). Nothing leaves this machine. SIGINT/SIGTERM stop it.
import http from 'node:http';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const smtpPort = Number(process.env.SMTP_PORT ?? 1025);
const httpPort = Number(process.env.MAIL_CATCHER_HTTP_PORT ?? 8025);
const host = process.env.MAIL_CATCHER_HOST ?? '127.0.0.1';
const KEEP = 200;
const mails = [];
let counter = 0;

const smtp = new SMTPServer({
  logger: false,
  authOptional: true,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  size: 50 * 1024 * 1024,
  onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const parsed = await simpleParser(raw, { skipHtmlToText: true }).catch(() => null);
      const mail = {
        n: ++counter,
        at: new Date().toISOString(),
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        subject: parsed?.subject ?? '',
        messageId: parsed?.messageId ?? '',
        attachments: parsed?.attachments.length ?? 0,
        size: raw.length,
        raw,
      };
      mails.push(mail);
      if (mails.length > KEEP) mails.shift();
      const files = mail.attachments ? ` +${mail.attachments} attachment(s)` : '';
      console.log(
        `mail #${mail.n} ${mail.from} → ${mail.to.join(', ')}: ${JSON.stringify(mail.subject)} (${mail.size} B${files}) ${mail.messageId}`,
      );
      callback();
    });
  },
});

const escape = (s) =>
  String(s).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );
const summary = ({ raw: _raw, ...rest }) => rest;

const page = () => `<!doctype html><meta charset="utf-8"><title>burrow mail catcher</title>
<style>body{font:14px system-ui;margin:2em}td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}</style>
<h1>burrow mail catcher</h1><p>${counter} mail(s) received on SMTP port ${smtpPort}; the last ${KEEP} are kept. Reload to refresh.</p>
<table><tr><th>#</th><th>time</th><th>from</th><th>to</th><th>subject</th><th>size</th><th></th></tr>
${mails
  .toReversed()
  .map(
    (m) =>
      `<tr><td>${m.n}</td><td>${escape(m.at)}</td><td>${escape(m.from)}</td><td>${escape(m.to.join(', '))}</td><td>${escape(m.subject)}</td><td>${m.size}</td><td><a href="/messages/${m.n}.eml">source</a></td></tr>`,
  )
  .join('\n')}
</table>`;

const web = http.createServer((req, res) => {
  const one = /^\/messages\/(\d+)\.eml$/.exec(req.url ?? '');
  if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page());
  } else if (req.url === '/messages') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(mails.map(summary)));
  } else if (one && mails.some((m) => m.n === Number(one[1]))) {
    const mail = mails.find((m) => m.n === Number(one[1]));
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(mail.raw);
  } else {
    res.writeHead(404).end();
  }
});

const fail = (what) => (err) => {
  console.error(`mail catcher: cannot listen on ${what}: ${err.message}`);
  process.exit(1);
};
smtp.on('error', fail(`SMTP port ${smtpPort}`));
web.on('error', fail(`HTTP port ${httpPort}`));
smtp.listen(smtpPort, host, () =>
  web.listen(httpPort, host, () =>
    console.log(`mail catcher: SMTP on ${host}:${smtpPort}, mails at http://${host}:${httpPort}/`),
  ),
);

const stop = () => {
  web.close();
  smtp.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// A local SMTP sink for trying e-mail delivery: prints every message it receives.
//   npm run mail-sink            (listens on 127.0.0.1:2525; MAIL_SINK_PORT to change)
// then start Quorum with SMTP_URL=smtp://127.0.0.1:2525
import { startSmtpSink } from './smtp-sink.ts';

const port = Number(process.env.MAIL_SINK_PORT ?? 2525);
let received = 0;
await startSmtpSink(port, (mail) => {
  received++;
  const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text ?? '';
  process.stdout.write(`\n──── mail ${received} ─ to: ${to} ─ ${mail.subject ?? ''}\n${mail.text ?? ''}\n`);
});
process.stdout.write(`mail sink listening on smtp://127.0.0.1:${port} (Ctrl+C to stop)\n`);

import nodemailer from 'nodemailer';
import type { Send } from './outbox.ts';

/** An SMTP sender (nodemailer): plain text and HTML, from MAIL_FROM. */
export function smtpSender(smtpUrl: string, from: string): { send: Send; close: () => void } {
  // Pooled connections: a wave of invitations should not open one SMTP session per mail.
  const url = new URL(smtpUrl);
  url.searchParams.set('pool', 'true');
  const transport = nodemailer.createTransport(url.toString());
  return {
    send: async (m) => {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
    close: () => transport.close(),
  };
}

import nodemailer from 'nodemailer';
import type { Send } from './outbox.ts';

/** An SMTP sender (nodemailer): plain text and HTML, from MAIL_FROM. */
export function smtpSender(smtpUrl: string, from: string): { send: Send; close: () => void } {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    send: async (m) => {
      await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
    close: () => transport.close(),
  };
}

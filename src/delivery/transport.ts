import nodemailer from 'nodemailer';
import type { Send } from './outbox.ts';

/** MAIL_FROM's address, whether it is given bare or as `Name <address>`. */
export function senderAddress(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1]?.trim() ?? from.trim();
}

/**
 * An SMTP sender (nodemailer): plain text and HTML, from MAIL_FROM's address under the display
 * name the mail carries ("Acme via Quorum", issue 14), so staff can tell it comes from their employer.
 */
export function smtpSender(smtpUrl: string, from: string): { send: Send; close: () => void } {
  // Pooled connections: a wave of invitations should not open one SMTP session per mail.
  const url = new URL(smtpUrl);
  url.searchParams.set('pool', 'true');
  const transport = nodemailer.createTransport(url.toString());
  return {
    send: async (m) => {
      // nodemailer quotes and encodes the name (RFC 5322/2047): an organization's name cannot add a header.
      const sender = m.fromName ? { name: m.fromName, address: senderAddress(from) } : from;
      await transport.sendMail({ from: sender, to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
    close: () => transport.close(),
  };
}

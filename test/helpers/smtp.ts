import type { ParsedMail } from 'mailparser';
import { startSmtpSink } from '../../tools/smtp-sink.ts';
import { freePort } from './ports.ts';

/** A real SMTP server on loopback that keeps every message it receives, parsed. */
export async function startMailSink(): Promise<{ url: string; messages: ParsedMail[]; stop: () => Promise<void> }> {
  const messages: ParsedMail[] = [];
  const port = await freePort();
  const { stop } = await startSmtpSink(port, (mail) => messages.push(mail));
  return { url: `smtp://127.0.0.1:${port}`, messages, stop };
}

export const recipient = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address ?? '';
export const linkIn = (mail: ParsedMail) => /https?:\/\/\S+\/s\/qi_[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0] ?? '';

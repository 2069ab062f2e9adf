import nodemailer from 'nodemailer';
import type { MailTransport } from './transport.ts';

/**
 * In a file of its own so that a server without SMTP configured never loads nodemailer (~9 MB
 * resident, ~60 ms of start-up): src/compose.ts imports this only when `GATEHOUSE_SMTP_URL` is set.
 */
export function smtpTransport(options: { url: string; from: string; messageIdDomain: string }): MailTransport {
  // One SMTP connection reused for many messages (the URL may still say otherwise): opening one per
  // message costs ~100 ms, which turns the 30,000 rejoin mails of a large enforcement into an hour.
  const transporter = nodemailer.createTransport({ url: options.url, pool: true });
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // The outbox row id as Message-ID: a retry after a lost acknowledgement is recognisable downstream.
        messageId: `<${mail.id}@${options.messageIdDomain}>`,
      });
    },
    close: () => transporter.close(),
  };
}

import nodemailer from 'nodemailer';

export interface OutgoingMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mail goes: an SMTP server, or nowhere (the worker logs it and keeps it in the outbox). */
export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

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

export const logOnlyTransport: MailTransport = {
  kind: 'log',
  async send() {},
  close() {},
};

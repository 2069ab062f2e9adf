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

export const logOnlyTransport: MailTransport = {
  kind: 'log',
  async send() {},
  close() {},
};

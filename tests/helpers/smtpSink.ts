import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** A real SMTP server on loopback (the `smtp-server` package) that keeps what it receives. */
export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  /** Waits until a message matching `predicate` has arrived. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, options?: { timeoutMs?: number }): Promise<ReceivedMail>;
  /** While down, every delivery attempt is refused with a temporary error (the outbox must retry). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * `onAccepted` runs right after the server answered "250 OK" to a message: the moment a sender
 * may die before it records the message as sent (tests/crash kills the server there).
 */
export async function startSmtpSink(options: { onAccepted?: (mail: ReceivedMail) => void } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let down = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      if (down) return callback(Object.assign(new Error('service temporarily unavailable'), { responseCode: 421 }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
          });
          for (const wake of waiters.splice(0)) wake();
          callback();
          options.onAccepted?.(received.at(-1)!);
        })
        .catch(callback);
    },
  });
  // A sender killed mid-conversation resets its connection: that is the sender's failure, not the sink's.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    setDown: (value) => {
      down = value;
    },
    async waitFor(predicate, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 10_000);
      for (;;) {
        const found = received.find(predicate);
        if (found) return found;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no matching mail; received: ${JSON.stringify(received.map((mail) => [mail.to, mail.subject]))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(remaining, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a mail's text part that starts with `prefix`. */
export function linkIn(mail: ReceivedMail, prefix: string): string {
  const match = mail.text.match(new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s>"]*`));
  if (!match) throw new Error(`no link starting with ${prefix} in: ${mail.text}`);
  return match[0];
}

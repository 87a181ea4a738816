import { simpleParser } from 'mailparser';
import { AddressInfo } from 'net';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server that accepts every message and keeps it, standing in for a mail relay in
 * the end-to-end tests: Ghost's staff verification codes and members' magic links arrive
 * here. It offers AUTH (so Ghost signs in with the password from the plan, which the tests
 * can check) and no STARTTLS (loopback only).
 */

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** The plain-text part, decoded. */
  readonly text: string;
  readonly html: string;
  /** The credentials the client signed in with. */
  readonly auth?: { readonly user: string; readonly password: string };
}

export class SmtpSink {
  public readonly messages: ReceivedMail[] = [];
  public port = 0;
  private readonly server: SMTPServer;
  private waiters: (() => void)[] = [];

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, session, callback) => {
        (session as unknown as { credentials: ReceivedMail['auth'] }).credentials = { user: auth.username ?? '', password: auth.password ?? '' };
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: typeof mail.html === 'string' ? mail.html : '',
              auth: (session as unknown as { credentials?: ReceivedMail['auth'] }).credentials,
            });
            for (const wake of this.waiters.splice(0)) wake();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
  }

  public async start(port = 0, host = '127.0.0.1'): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  /** The first message, from now or already received, for which `matches` holds. */
  public async waitFor(matches: (mail: ReceivedMail) => boolean, timeoutMs = 30_000, since = 0): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(since).find(matches);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`No mail arrived that matches within ${timeoutMs} ms; received: ${JSON.stringify(this.messages.map((m) => [m.to, m.subject]))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

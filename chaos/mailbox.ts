import { SMTPServer } from 'smtp-server';

/** Undoes quoted-printable: soft line breaks and =XX escapes. */
function fromQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The resellers' mailboxes: an SMTP server the engine sends its mail to (SMTP_URL), keeping the
 * invitation links each recipient received.
 */
export class Mailbox {
  private readonly links = new Map<string, string>();
  private readonly waiting = new Map<string, Array<(link: string) => void>>();
  private readonly server: SMTPServer;

  /**
   * `replyDelayMs` holds each reply to MAIL FROM, RCPT TO and the message's end that long, as a mail
   * server across a network answers (a round trip and its own work): the bench's BENCH_SMTP_DELAY.
   */
  constructor({ replyDelayMs = 0 }: { replyDelayMs?: number } = {}) {
    const later = (reply: () => void) => (replyDelayMs > 0 ? setTimeout(reply, replyDelayMs) : reply());
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onMailFrom: (_address, _session, callback) => later(() => callback()),
      onRcptTo: (_address, _session, callback) => later(() => callback()),
      onData: (stream, session, callback) => {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
        stream.on('end', () => {
          const link = /https?:\/\/\S+?\/invitations\/[A-Za-z0-9_-]+/.exec(fromQuotedPrintable(raw))?.[0];
          if (link) for (const to of session.envelope.rcptTo) this.received(to.address.toLowerCase(), link);
          later(() => callback());
        });
      },
    });
  }

  listen(port: number): Promise<void> {
    // A sender killed mid-message (a worker's SIGKILL) resets its connection: not the mailbox's problem.
    this.server.on('error', () => {});
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
  }

  private received(address: string, link: string): void {
    this.links.set(address, link);
    for (const resolve of this.waiting.get(address) ?? []) resolve(link);
    this.waiting.delete(address);
  }

  /** The invitation link mailed to `address`: at once if it came, else the moment it arrives. */
  linkFor(address: string, timeoutMs: number): Promise<string> {
    const key = address.toLowerCase();
    const link = this.links.get(key);
    if (link) return Promise.resolve(link);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.set(
          key,
          (this.waiting.get(key) ?? []).filter((waiter) => waiter !== arrived),
        );
        reject(new Error(`no invitation mail for ${address} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const arrived = (link: string) => {
        clearTimeout(timer);
        resolve(link);
      };
      this.waiting.set(key, [...(this.waiting.get(key) ?? []), arrived]);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

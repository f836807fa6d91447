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
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')));
      stream.on('end', () => {
        const link = /https?:\/\/\S+?\/invitations\/[A-Za-z0-9_-]+/.exec(fromQuotedPrintable(raw))?.[0];
        if (link) for (const to of session.envelope.rcptTo) this.links.set(to.address.toLowerCase(), link);
        callback();
      });
    },
  });

  listen(port: number): Promise<void> {
    // A sender killed mid-message (a worker's SIGKILL) resets its connection: not the mailbox's problem.
    this.server.on('error', () => {});
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
  }

  /** The invitation link mailed to `address`, once it arrives. */
  async linkFor(address: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const link = this.links.get(address.toLowerCase());
      if (link) return link;
      if (Date.now() > deadline) throw new Error(`no invitation mail for ${address} within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

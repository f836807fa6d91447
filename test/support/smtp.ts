import { SMTPServer } from 'smtp-server';

export type ReceivedMail = { to: string; data: string };

/**
 * A real SMTP server on loopback that records what it receives, one entry per recipient, as a
 * receiving server reads it, and counts the connections it accepts. It can hold its replies. Close
 * the clients that keep connections to it (a pooled mailer, an engine) before closing it: it waits
 * for them.
 */
export async function startSmtpSink(port: number) {
  const received: ReceivedMail[] = [];
  let connections = 0;
  /** While set, a message's final reply (250 after DATA) waits for it: a server slow to accept mail. */
  let held: Promise<void> | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const data = Buffer.concat(chunks).toString('utf8');
        void (held ?? Promise.resolve()).then(() => {
          received.push(...session.envelope.rcptTo.map((to) => ({ to: to.address, data })));
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    received,
    connections: () => connections,
    /** Holds every message's final reply from now on; the returned function lets them all go. */
    hold(): () => void {
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = undefined;
        release();
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

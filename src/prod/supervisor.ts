import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/** One child process of the topology. */
export type ProcessSpec = {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** The signal that stops it gracefully (default SIGTERM); SIGKILL follows after the stop timeout. */
  stopSignal?: NodeJS.Signals;
};

export type Supervised = {
  readonly name: string;
  readonly logFile: string;
  /** The pid of the current incarnation, undefined between a death and its restart. */
  pid(): number | undefined;
  /** How many times it has been restarted after dying. */
  restarts(): number;
  /** Stops it for good (its graceful signal, SIGKILL after the stop timeout); it is not restarted. */
  stop(): Promise<void>;
  /** SIGKILLs its process group and does not restart it: a machine lost for good. */
  kill(): Promise<void>;
};

type Entry = Supervised & { spec: ProcessSpec; child?: ChildProcess };

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A child that ran this long before dying is restarted at once again, not after a longer wait. */
const HEALTHY_RUN_MS = 60_000;

/**
 * Runs the topology's processes, each in its own process group with stdout and stderr appended to
 * `<logDir>/<name>.log`. A long-running child that dies is restarted (backoff 1 s doubling to 30 s)
 * until stopAll(), which stops the children in reverse start order — the API before the workers,
 * the workers before Temporal, Temporal before its database — each with its graceful signal first.
 */
export class Supervisor {
  private readonly entries: Entry[] = [];
  private stopping = false;

  constructor(private readonly options: { logDir: string; log: (line: string) => void; stopTimeoutMs?: number }) {
    mkdirSync(options.logDir, { recursive: true });
  }

  private spawnLogged(spec: ProcessSpec, logFile: string): ChildProcess {
    appendFileSync(
      logFile,
      `\n--- ${new Date().toISOString()} starting ${spec.name}: ${spec.command} ${spec.args.join(' ')}\n`,
    );
    const fd = openSync(logFile, 'a');
    try {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env ?? process.env,
        uid: spec.uid,
        gid: spec.gid,
        stdio: ['ignore', fd, fd],
        // Its own process group: a Ctrl-C in the terminal reaches the supervisor only, which stops children in order.
        detached: true,
      });
      child.once('error', (error) => appendFileSync(logFile, `--- could not start: ${error.message}\n`));
      return child;
    } finally {
      closeSync(fd);
    }
  }

  /** Starts a long-running child and keeps it running until stopAll(). */
  start(spec: ProcessSpec): Supervised {
    const logFile = path.join(this.options.logDir, `${spec.name}.log`);
    let restarts = 0;
    let backoff = FIRST_BACKOFF_MS;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let exited: Promise<void> = Promise.resolve();
    const entry: Entry = {
      name: spec.name,
      logFile,
      spec,
      pid: () =>
        entry.child && entry.child.exitCode === null && entry.child.signalCode === null ? entry.child.pid : undefined,
      restarts: () => restarts,
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        const child = entry.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.kill(spec.stopSignal ?? 'SIGTERM');
        const killer = setTimeout(() => killGroup(child), this.options.stopTimeoutMs ?? 30_000);
        await exited;
        clearTimeout(killer);
      },
      kill: async () => {
        stopped = true;
        clearTimeout(timer);
        if (entry.child) killGroup(entry.child);
        await exited;
      },
    };
    const launch = () => {
      const started = Date.now();
      const child = this.spawnLogged(spec, logFile);
      entry.child = child;
      exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          resolve();
          appendFileSync(
            logFile,
            `--- ${new Date().toISOString()} ${spec.name} exited (code ${code}, signal ${signal})\n`,
          );
          if (stopped || this.stopping) return;
          if (Date.now() - started > HEALTHY_RUN_MS) backoff = FIRST_BACKOFF_MS;
          restarts += 1;
          this.options.log(
            `${spec.name} exited (code ${code}, signal ${signal}); restart #${restarts} in ${backoff / 1000} s — see ${logFile}`,
          );
          timer = setTimeout(launch, backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        });
      });
    };
    launch();
    this.entries.push(entry);
    return entry;
  }

  /** Runs a one-shot child (e.g. migrations) to completion; rejects with the end of its log if it fails. */
  async run(spec: ProcessSpec): Promise<void> {
    const logFile = path.join(this.options.logDir, `${spec.name}.log`);
    const child = this.spawnLogged(spec, logFile);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
      child.once('error', () => resolve([-1, null]));
    });
    appendFileSync(logFile, `--- ${new Date().toISOString()} ${spec.name} exited (code ${code}, signal ${signal})\n`);
    if (code !== 0) throw new Error(`${spec.name} failed (code ${code}, signal ${signal}); see ${logFile}`);
  }

  /** Stops every child, last started first, waiting for each to exit. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const entry of [...this.entries].reverse()) await entry.stop();
  }

  /** Last resort (a second Ctrl-C): SIGKILL every child's process group at once. */
  killAll(): void {
    this.stopping = true;
    for (const entry of this.entries) if (entry.child) killGroup(entry.child);
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

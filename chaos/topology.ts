import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

/** One production process (`npm run api` / `npm run worker`), in its own process group. */
export type AppProcess = {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  kill(signal: NodeJS.Signals): void;
};

/** Starts `tsx src/main/<entry>.ts` with `env`, its output appended to `<logDir>/<name>.log`. */
export function startProcess(
  entry: 'api' | 'worker',
  name: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
): AppProcess {
  const child = spawn(tsx, [`src/main/${entry}.ts`], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    exited,
    kill(signal) {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

/** Resolves when `url` answers 200, or throws after `timeoutMs`. */
export async function answers(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

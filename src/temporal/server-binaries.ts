import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { GO_TOOLCHAIN, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './server-versions';

/** The Temporal server, its SQL schema tool and the Web UI server, as built into the project's .tools/. */
export type TemporalServerBinaries = { server: string; sqlTool: string; ui: string };

const toolsDir = path.resolve(import.meta.dirname, '../..', '.tools');
const serverBin = path.join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`, 'bin');
const uiBin = path.join(toolsDir, `temporal-ui-${TEMPORAL_UI_VERSION}`, 'bin');

/** Where the pinned binaries live (`go install` names them after their package directories). */
export const temporalServerBinaries: TemporalServerBinaries = {
  server: path.join(serverBin, 'server'),
  sqlTool: path.join(serverBin, 'sql'),
  ui: path.join(uiBin, 'server'),
};

/** Each package to build, the directory it is built into and the binary that proves it is there. */
const builds = [
  {
    pkg: `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
    gobin: serverBin,
    binary: temporalServerBinaries.server,
  },
  {
    pkg: `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
    gobin: serverBin,
    binary: temporalServerBinaries.sqlTool,
  },
  {
    pkg: `github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`,
    gobin: uiBin,
    binary: temporalServerBinaries.ui,
  },
];

/**
 * `go` from PATH, else the pinned toolchain itself, fetched from the Go module proxy (a toolchain is
 * the module golang.org/toolchain) into .tools/ — so a machine without Go can still build the server.
 */
function goCommand(log: (line: string) => void): string {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) return 'go';
  const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const version = `v0.0.1-${GO_TOOLCHAIN}.linux-${arch}`;
  const dir = path.join(toolsDir, `go-${GO_TOOLCHAIN}`);
  const binary = path.join(dir, `golang.org/toolchain@${version}`, 'bin', 'go');
  if (!existsSync(binary)) {
    log(`No go on PATH: fetching the ${GO_TOOLCHAIN} toolchain from the Go module proxy (into .tools)`);
    mkdirSync(dir, { recursive: true });
    const zip = path.join(dir, 'toolchain.zip');
    execFileSync('curl', ['-fsSL', '-o', zip, `https://proxy.golang.org/golang.org/toolchain/@v/${version}.zip`], {
      stdio: 'inherit',
    });
    execFileSync('unzip', ['-q', '-o', zip, '-d', dir], { stdio: 'inherit' });
  }
  return binary;
}

function works(binary: string): boolean {
  return existsSync(binary) && spawnSync(binary, ['--help'], { stdio: 'ignore' }).status === 0;
}

/** The binaries when all three are built, else undefined (nothing is installed). */
export function findTemporalServer(): TemporalServerBinaries | undefined {
  return builds.every((build) => works(build.binary)) ? temporalServerBinaries : undefined;
}

/**
 * Builds whatever is missing with `go install` through the Go module proxy, at the pinned versions
 * and toolchain (about 9 minutes on a 2-core machine for the server; cached in .tools/ afterwards).
 */
export function ensureTemporalServer(options: { log?: (line: string) => void } = {}): TemporalServerBinaries {
  const log = options.log ?? ((line: string) => console.error(line));
  for (const build of builds) {
    if (works(build.binary)) continue;
    const go = goCommand(log);
    mkdirSync(build.gobin, { recursive: true });
    log(
      `Building ${build.pkg} with ${GO_TOOLCHAIN} (into ${path.relative(process.cwd(), build.gobin) || build.gobin}); the server takes minutes`,
    );
    const started = Date.now();
    try {
      execFileSync(go, ['install', build.pkg], {
        env: { ...process.env, GOBIN: build.gobin, GOTOOLCHAIN: GO_TOOLCHAIN, GOFLAGS: '-buildvcs=false' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (error) {
      throw new Error(
        `Could not build ${build.pkg}: ${(error as Error).message}. The Temporal server is built from source with Go (go on PATH, or the toolchain from proxy.golang.org).`,
      );
    }
    if (!works(build.binary)) throw new Error(`go install ${build.pkg} did not produce ${build.binary}`);
    log(`Built ${path.basename(build.binary)} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  return temporalServerBinaries;
}

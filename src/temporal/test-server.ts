import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Temporal's Java test server (time-skipping), resolved from Maven Central; runs on Java 17. */
export const TEST_SERVER_VERSION = '1.31.0';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const pom = path.join(projectRoot, 'tools', 'temporal-test-server', 'pom.xml');
const installDir = path.join(projectRoot, '.tools', `temporal-test-server-${TEST_SERVER_VERSION}`);
const classpathFile = path.join(installDir, 'classpath.txt');
/** The classes a start loads, archived once (AppCDS): the JVM maps them instead of loading them again. */
const classArchive = path.join(installDir, 'classes.jsa');
/** A short-lived test JVM: client compiler only and the serial collector start it faster. */
const jvmFlags = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];
/** What TestWorkflowEnvironment.createTimeSkipping runs (`existing-path`): java with the resolved classpath. */
export const testServerWrapper = path.join(installDir, 'test-server');

function installed(): boolean {
  if (!existsSync(testServerWrapper) || !existsSync(classpathFile)) return false;
  // Wrappers written before the class archive existed are written again (and the archive made).
  if (!readFileSync(testServerWrapper, 'utf8').includes('SharedArchiveFile')) return false;
  return readFileSync(classpathFile, 'utf8')
    .trim()
    .split(path.delimiter)
    .every((jar) => existsSync(jar));
}

/**
 * Makes sure the time-skipping test server can run: `mvn dependency:build-classpath` over
 * tools/temporal-test-server/pom.xml (the jars land in the local Maven repository), then a wrapper
 * script in .tools/ that starts `io.temporal.testserver.TestServer` with that classpath.
 */
export function ensureTestServer(log: (line: string) => void = (line) => console.error(line)): string {
  if (installed()) return testServerWrapper;
  for (const tool of ['java', 'mvn']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) {
      throw new Error(
        `The time-skipping test server needs ${tool} (Debian: apt-get install default-jdk-headless maven)`,
      );
    }
  }
  mkdirSync(installDir, { recursive: true });
  log(`Resolving io.temporal:temporal-test-server:${TEST_SERVER_VERSION} from Maven Central (into ~/.m2)`);
  execFileSync('mvn', ['-q', '-B', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${classpathFile}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  archiveClasses(log);
  // The archive when there is one; -Xshare:auto ignores one this JVM cannot use (with a warning).
  writeFileSync(
    testServerWrapper,
    [
      '#!/bin/sh',
      `share=; [ -s '${classArchive}' ] && share="-Xshare:auto -XX:SharedArchiveFile=${classArchive}"`,
      `exec java ${jvmFlags.join(' ')} $share -cp "$(cat '${classpathFile}')" io.temporal.testserver.TestServer "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(testServerWrapper, 0o755);
  return testServerWrapper;
}

/**
 * Starts the test server once with -XX:ArchiveClassesAtExit, waits until it listens, and stops it:
 * the JVM writes the classes it loaded to classes.jsa. Later starts map that archive, which cuts a
 * start from ~1.8 s to ~0.5 s here. That matters: the SDK gives the server 5 s (fixed in its core)
 * to answer, and on a loaded CI machine a cold JVM missed it. Best effort: without an archive the
 * wrapper still starts, only slower.
 */
function archiveClasses(log: (line: string) => void): void {
  rmSync(classArchive, { force: true });
  const classpath = readFileSync(classpathFile, 'utf8').trim();
  const script = `
    const { spawn } = require('node:child_process');
    const net = require('node:net');
    const port = Number(process.argv[1]);
    const child = spawn('java', ${JSON.stringify([...jvmFlags, `-XX:ArchiveClassesAtExit=${classArchive}`, '-cp', classpath, 'io.temporal.testserver.TestServer'])}.concat(String(port)), { stdio: 'ignore' });
    const deadline = Date.now() + 120000;
    const probe = () => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => { socket.destroy(); child.kill('SIGTERM'); });
      socket.once('error', () => (Date.now() > deadline ? child.kill('SIGKILL') : setTimeout(probe, 100)));
    };
    probe();
    child.once('exit', (code) => process.exit(code === 143 || code === 0 ? 0 : 1));
  `;
  const port = 30_000 + Math.floor(Math.random() * 2_000);
  const result = spawnSync(process.execPath, ['-e', script, String(port)], { stdio: 'ignore', timeout: 180_000 });
  if (result.status !== 0 || !existsSync(classArchive)) {
    rmSync(classArchive, { force: true });
    log('Could not archive the test server classes; it will start without the archive (slower)');
  } else {
    log(`Archived the test server classes (${classArchive})`);
  }
}

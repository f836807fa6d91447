import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Temporal's Java test server (time-skipping), resolved from Maven Central; runs on Java 17. */
export const TEST_SERVER_VERSION = '1.31.0';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const pom = path.join(projectRoot, 'tools', 'temporal-test-server', 'pom.xml');
const installDir = path.join(projectRoot, '.tools', `temporal-test-server-${TEST_SERVER_VERSION}`);
const classpathFile = path.join(installDir, 'classpath.txt');
/** What TestWorkflowEnvironment.createTimeSkipping runs (`existing-path`): java with the resolved classpath. */
export const testServerWrapper = path.join(installDir, 'test-server');

function installed(): boolean {
  if (!existsSync(testServerWrapper) || !existsSync(classpathFile)) return false;
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
  // A short-lived test JVM: client compiler only and the serial collector start it faster.
  writeFileSync(
    testServerWrapper,
    `#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$(cat '${classpathFile}')" io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(testServerWrapper, 0o755);
  return testServerWrapper;
}

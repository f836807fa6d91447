import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AppError, errorStatus, isErrorCode } from '../../src/domain/errors';
import { businessFailureCodes } from '../../workflows/failures';

const failuresPath = resolve(import.meta.dirname, '../../workflows/failures.ts');

let previous: ts.Program | undefined;

/** Type-checks workflows/failures.ts with `edit` applied to its text, as `tsc` would (reusing the unchanged files of the last check). */
function diagnosticsOfFailures(edit: (source: string) => string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) =>
    resolve(file) === failuresPath ? edit(readFileSync(failuresPath, 'utf8')) : readFile(file);
  const program = ts.createProgram([failuresPath], options, host, previous);
  previous = program;
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(failuresPath))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the closed error-code list', () => {
  it('gives every workflow business code an HTTP status of the domain list', () => {
    for (const code of businessFailureCodes) expect(errorStatus[code]).toBeGreaterThanOrEqual(400);
  });

  it('refuses to compile a workflow business code that is not in the domain list', () => {
    expect(diagnosticsOfFailures((source) => source)).toEqual([]);
    const added = diagnosticsOfFailures((source) =>
      source.replace("  'INVITATION_NOT_PENDING',", "  'INVITATION_NOT_PENDING',\n  'NOT_A_DOMAIN_CODE',"),
    );
    expect(added.join('\n')).toMatch(/NOT_A_DOMAIN_CODE/);
  }, 60_000);

  it('knows its own codes only, not the properties every object has', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });

  it('carries the status of its code', () => {
    expect(new AppError('SUBSCRIPTION_WRONG_STATE', 'no').status).toBe(409);
    expect(new AppError('UNAVAILABLE', 'later').status).toBe(503);
  });
});

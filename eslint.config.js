import tseslint from 'typescript-eslint';

// Two rules that catch real bugs here, rather than a style guide: promises nobody awaits, and
// workflow code reaching for Node's I/O (workflows must stay deterministic and sandboxable).
export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'drizzle/**', '**/*.cjs', 'eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto', 'net', 'http', 'https', 'child_process', 'os'], message: 'Workflow code is deterministic: no Node built-ins (use activities).' },
            { group: ['**/src/db/*', '**/src/db/**', 'drizzle-orm', 'drizzle-orm/*', 'postgres', 'nodemailer'], message: 'Workflow code does no I/O: reach the database through activities.', allowTypeImports: true },
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import only @temporalio/workflow and @temporalio/common.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);

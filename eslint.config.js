import tseslint from 'typescript-eslint';

// Rules that catch real bugs here, rather than a style guide: promises nobody awaits, workflow code
// reaching for Node's I/O (workflows must stay deterministic and sandboxable), and imports that run
// against the layers.
export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'drizzle/**', '**/*.cjs', 'eslint.config.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  // The layers' directions (README, "Layers"): domain ← db/queries, services ← api; workflows see the domain only.
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/api',
                '**/api/**',
                '**/db',
                '**/db/**',
                '**/services',
                '**/services/**',
                '**/workflows',
                '**/workflows/**',
                '**/activities',
                '**/activities/**',
              ],
              message: 'The domain is pure: it imports no other layer (they import it).',
            },
            {
              group: ['express', 'express/*', 'drizzle-orm', 'drizzle-orm/*', 'postgres', '@temporalio/*'],
              message: 'The domain is pure: no HTTP, database or Temporal library.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/workflows',
                '**/workflows/**',
                '**/api',
                '**/api/**',
                '**/services',
                '**/services/**',
                '**/activities',
                '**/activities/**',
              ],
              message: 'The database layer holds SQL only: shapes and rules come from src/domain.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/services/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)api(/|$)|^express(/|$)',
              message: 'Services know nothing of HTTP: take ServiceDeps, throw domain AppErrors.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/views/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/api',
                '**/api/**',
                '**/services',
                '**/services/**',
                '**/activities',
                '**/activities/**',
                '**/workflows',
                '**/workflows/**',
                '**/db/queries/**',
                'express',
              ],
              message:
                'A view shows a resource: it reads the domain and the row types (src/db/schema), nothing that serves or stores it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'net', 'http', 'https', 'child_process', 'os'],
              message: 'Workflow code is deterministic: no Node built-ins (use activities).',
            },
            {
              regex: '(^|/)src/(?!domain/)',
              message: 'Workflows import only the domain (src/domain), their own modules and messages.',
            },
            {
              group: ['**/activities', '**/activities/**'],
              message: 'Workflow code does no I/O: call activities through proxyActivities.',
              allowTypeImports: true,
            },
            {
              regex: '^(?!@temporalio/(workflow|common)$|\\.\\.?/)',
              message:
                'Workflows import only @temporalio/workflow and @temporalio/common among packages (no I/O, no client).',
            },
          ],
        },
      ],
    },
  },
);

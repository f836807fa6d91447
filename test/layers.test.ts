import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layers' directions are kept by lint (eslint.config.js): each case lints one import as if it
 * were written in a file of that layer, and expects it reported — or, for what a layer may import,
 * not reported.
 */
const root = resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function layerViolations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: resolve(root, file) });
  return result!.messages
    .filter((message) => message.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((message) => message.message);
}

const refused: Array<[string, string, string]> = [
  ['a service importing the API deps', 'src/services/customers.ts', "import type { ApiDeps } from '../api/context';"],
  [
    'a service importing the HTTP error edge',
    'src/services/customers.ts',
    "import { errorMiddleware } from '../api/errors';",
  ],
  ['a service importing express', 'src/services/customers.ts', "import type { Request } from 'express';"],
  ['the domain importing the database', 'src/domain/errors.ts', "import type { Db } from '../db/client';"],
  ['the domain importing a service', 'src/domain/errors.ts', "import { startOnce } from '../services/start-once';"],
  [
    'the domain importing a workflow',
    'src/domain/errors.ts',
    "import { businessFailureCodes } from '../../workflows/failures';",
  ],
  ['the domain importing the API', 'src/domain/errors.ts', "import { errorBody } from '../api/errors';"],
  ['the domain importing express', 'src/domain/errors.ts', "import type { Request } from 'express';"],
  ['the domain importing drizzle', 'src/domain/errors.ts', "import { eq } from 'drizzle-orm';"],
  [
    'a query importing a workflow',
    'src/db/queries/onboardings.ts',
    "import type { OnboardingState } from '../../../workflows/onboarding.messages';",
  ],
  [
    'a query importing a service',
    'src/db/queries/onboardings.ts',
    "import type { ServiceDeps } from '../../services/deps';",
  ],
  ['a query importing the API', 'src/db/queries/onboardings.ts', "import { AppError } from '../../api/errors';"],
  [
    'a workflow importing a database type',
    'workflows/order.ts',
    "import type { Invitation } from '../src/db/queries/invitations';",
  ],
  ['a workflow importing a service', 'workflows/order.ts', "import { startOnce } from '../src/services/start-once';"],
  [
    'a workflow importing activities as values',
    'workflows/order.ts',
    "import { createActivities } from '../activities';",
  ],
  ['a workflow importing the Temporal client', 'workflows/order.ts', "import { Client } from '@temporalio/client';"],
  ['a workflow importing another package', 'workflows/order.ts', "import { z } from 'zod';"],
  ['a workflow importing a Node built-in', 'workflows/order.ts', "import { readFileSync } from 'node:fs';"],
  [
    'a service importing a view from the old API path',
    'src/services/customers.ts',
    "import { customerView } from '../api/views/customer';",
  ],
  ['a view importing a route', 'src/views/customer.ts', "import { customerRoutes } from '../api/routes/customers';"],
  ['a view importing a service', 'src/views/customer.ts', "import { getCustomer } from '../services/customers';"],
  [
    'a view importing a query',
    'src/views/customer.ts',
    "import { getCustomerForPartner } from '../db/queries/customers';",
  ],
  [
    'a view importing a workflow module',
    'src/views/onboarding.ts',
    "import { tenantDomain } from '../../workflows/onboarding.messages';",
  ],
];

const allowed: Array<[string, string, string]> = [
  ['a workflow importing the domain', 'workflows/order.ts', "import { errorStatus } from '../src/domain/errors';"],
  ['a workflow importing its messages', 'workflows/order.ts', "import { orderStatusQuery } from './order.messages';"],
  [
    'a workflow importing the activities type',
    'workflows/order.ts',
    "import type { Activities } from '../activities';",
  ],
  ['a workflow importing the workflow SDK', 'workflows/order.ts', "import { sleep } from '@temporalio/workflow';"],
  [
    'a query importing the domain',
    'src/db/queries/onboardings.ts',
    "import type { OnboardingRequest } from '../../domain/onboarding';",
  ],
  [
    'a service importing the domain and the database',
    'src/services/customers.ts',
    "import { notFound } from '../domain/errors';\nimport { getCustomerForPartner } from '../db/queries/customers';",
  ],
  [
    'the API importing a service',
    'src/api/routes/customers.ts',
    "import { getCustomer } from '../../services/customers';",
  ],
  ['a service importing a view', 'src/services/customers.ts', "import { customerView } from '../views/customer';"],
  [
    'a view importing the domain and a row type',
    'src/views/customer.ts',
    "import { tenantDomain } from '../domain/customer';\nimport type { Customer } from '../db/schema/customers';",
  ],
];

describe('lint keeps the layers’ directions', () => {
  // The first lint opens the TypeScript project (typed rules): done once, under the hook's longer timeout.
  beforeAll(() => layerViolations('src/domain/errors.ts', ''));

  it.each(refused)('reports %s', async (_what, file, code) => {
    expect((await layerViolations(file, code)).length).toBeGreaterThan(0);
  });

  it.each(allowed)('allows %s', async (_what, file, code) => {
    expect(await layerViolations(file, code)).toEqual([]);
  });
});

import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import { failureConverterPath } from '../../src/temporal/data-converter';
import { bundlerLogger, workflowInterceptorModules, workflowsPath } from '../../src/temporal/worker';

const oldSubscriptionStart = path.resolve(import.meta.dirname, 'before-subscription-workflows/subscription-start.ts');

/**
 * The project's workflow code as it ran before `patched('subscription-workflows')` existed: the same
 * bundle with `./subscription-start` swapped for its pre-patch version. Runs recorded on it are the
 * histories of provisioning runs in flight when the patch shipped.
 */
export async function bundleBeforeSubscriptionWorkflowsPatch(): Promise<WorkflowBundleOption> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    failureConverterPath,
    logger: bundlerLogger(),
    webpackConfigHook: (config) => ({
      ...config,
      plugins: [
        ...(config.plugins ?? []),
        {
          apply: (compiler) =>
            new compiler.webpack.NormalModuleReplacementPlugin(/^\.\/subscription-start$/, oldSubscriptionStart).apply(
              compiler,
            ),
        },
      ],
    }),
  });
  return { code };
}

import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { permanentDataError, sqlStateOf } from '../db/errors';
import { causeChain } from '../domain/cause-chain';
import { withoutQueryParameters } from '../logger';

/**
 * Classifies what an activity throws before Temporal decides whether to retry it:
 * - a value or constraint Postgres refuses (SQLSTATE class 22 or 23) fails the same way on every
 *   attempt, so it becomes a non-retryable failure coded VALIDATION_FAILED or CONFLICT — the workflow
 *   sees it at once (and an Update answering a link releases its guard and refuses the answer);
 * - any other database error (connection lost, serialization failure, shutdown) stays retryable,
 *   but without the statement's parameters, which Drizzle writes into its message: they would
 *   otherwise reach the workflow history and the logs (names, emails, hashes).
 * Errors that are not the database's pass through untouched.
 */
export const classifyActivityErrors: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        const data = permanentDataError(error);
        if (data) {
          throw ApplicationFailure.create({
            type: data.kind === 'data' ? 'VALIDATION_FAILED' : 'CONFLICT',
            message: data.message,
            nonRetryable: true,
          });
        }
        if (carriesQueryParameters(error)) {
          const sqlState = sqlStateOf(error);
          const code = [...causeChain(error)].map((cause) => cause.code).find((value) => typeof value === 'string');
          throw ApplicationFailure.create({
            type: 'DATABASE_ERROR',
            message:
              withoutQueryParameters(String((error as Error).message)) +
              (sqlState || code ? ` (${sqlState ?? code})` : ''),
            nonRetryable: false,
          });
        }
        throw error;
      }
    },
  },
});

function carriesQueryParameters(error: unknown): boolean {
  return [...causeChain(error)].some((cause) => 'params' in cause || 'parameters' in cause);
}

/**
 * A client as the issue describes it: it retries the same request (same Idempotency-Key) on
 * connection errors, 429, 502/503/504 and 409 IDEMPOTENCY_KEY_IN_USE, waiting Retry-After, and gives up
 * only after `giveUpMs`. It counts what it saw, from the client's side.
 */
export type Answer = { status: number; body: any };

export class ChaosStats {
  attempts = 0;
  answers503 = 0;
  answers429 = 0;
  answers502or504 = 0;
  keysInUse = 0;
  connectionErrors = 0;
  /** Attempts that got no answer within the bound (plus slack): the API hung. */
  unanswered = 0;
  longestAnswerMs = 0;
}

const retryable = (answer: Answer) =>
  answer.status === 429 ||
  answer.status === 502 ||
  answer.status === 503 ||
  answer.status === 504 ||
  (answer.status === 409 && answer.body?.error?.code === 'IDEMPOTENCY_KEY_IN_USE');

export class RetryingClient {
  constructor(
    private readonly baseUrl: string,
    readonly stats: ChaosStats,
    /** Longer than this without an answer counts as unanswered (the API's bound plus slack). */
    private readonly answerLimitMs: number,
    private readonly giveUpMs: number,
  ) {}

  async call(
    method: string,
    path: string,
    options: { apiKey?: string; body?: unknown; idempotencyKey?: string } = {},
  ): Promise<Answer> {
    const giveUpAt = Date.now() + this.giveUpMs;
    const headers: Record<string, string> = {};
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 1; ; attempt++) {
      this.stats.attempts++;
      const started = Date.now();
      let waitMs = Math.min(5_000, 250 * 2 ** Math.min(attempt, 5));
      try {
        const response = await fetch(new URL(path, this.baseUrl), {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(this.answerLimitMs),
        });
        const text = await response.text();
        this.stats.longestAnswerMs = Math.max(this.stats.longestAnswerMs, Date.now() - started);
        const answer = { status: response.status, body: text ? JSON.parse(text) : undefined };
        if (!retryable(answer)) return answer;
        if (answer.status === 503) this.stats.answers503++;
        else if (answer.status === 429) this.stats.answers429++;
        else if (answer.status === 409) this.stats.keysInUse++;
        else this.stats.answers502or504++;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) waitMs = retryAfter * 1_000;
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') this.stats.unanswered++;
        else this.stats.connectionErrors++;
      }
      if (Date.now() + waitMs > giveUpAt)
        throw new Error(`${method} ${path}: no final answer after ${attempt} attempts`);
      await new Promise((resolve) => setTimeout(resolve, waitMs * (0.75 + Math.random() / 2)));
    }
  }

  /** Calls until `done` holds for the answer (polling a GET), within `timeoutMs`. */
  async until(path: string, apiKey: string, done: (answer: Answer) => boolean, timeoutMs: number): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await this.call('GET', path, { apiKey });
      if (done(answer)) return answer;
      if (Date.now() > deadline)
        throw new Error(`GET ${path}: still ${JSON.stringify(answer.body).slice(0, 200)} after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

import { createHash } from 'node:crypto';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { claimIdempotencyKey, completeIdempotencyKey, getIdempotencyRecord, releaseIdempotencyKey, type IdempotencyLease } from '../db/queries/idempotency';
import { workDeadline } from './answer-bound';
import { authenticate, ownerIdOf, requireRole, type Caller, type Role } from './auth';
import type { ApiDeps } from './context';
import { AppError, errorBodySchema, errorStatus, validationError } from './errors';
import { InFlightLimits } from './load-shedding';

/** What a handler returns: JSON with a status, an HTML page, or a raw body (metrics, docs). */
export type Reply =
  | { status: number; json: unknown }
  | { status: number; html: string }
  | { status: number; text: string; contentType: string };

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
type Access = 'public' | readonly Role[];

type CallerFor<A> = A extends readonly (infer R extends Role)[] ? Extract<Caller, { role: R }> : undefined;

export type RouteSpec<A extends Access, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = {
  method: Method;
  /** Express-style path, e.g. `/v1/invitations/:id`. */
  path: string;
  summary: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Also accept HTML form posts (the email links' pages). */
  form?: boolean;
  /**
   * Honours the Idempotency-Key header. `true`: the same key and body replay the first answer, stored
   * with the key. `'in-handler'`: the handler gets the key and converges by itself (answers that carry
   * a one-time secret, which must not be stored).
   */
  idempotent?: true | 'in-handler';
  responses: Record<number, { description: string; schema?: z.ZodType; html?: boolean; contentType?: string }>;
  errors?: readonly number[];
  handle: (input: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    caller: CallerFor<A>;
    /** The validated Idempotency-Key of an idempotent route, if the caller sent one. */
    idempotencyKey?: string;
    req: Request;
    res: Response;
  }) => Promise<Reply>;
};

const idempotencyKeySchema = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/**
 * Declares an endpoint once: the express route that validates and authorises it, and its entry in
 * the OpenAPI document, built from the same zod schemas — so the document cannot miss a route.
 */
export class ApiBuilder {
  readonly registry = new OpenAPIRegistry();
  readonly documented = new Set<string>();
  private readonly inFlight: InFlightLimits;

  constructor(
    private readonly router: Router,
    private readonly deps: ApiDeps,
  ) {
    this.registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
    this.inFlight = new InFlightLimits(deps.config.maxInFlightPerRoute);
  }

  route<A extends Access, P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
    spec: RouteSpec<A, P, Q, B>,
  ): void {
    this.document(spec);
    this.router[spec.method](spec.path, async (req, res) => {
      // Every Temporal call the handler makes shares one deadline, inside the answer bound.
      const deadline = workDeadline(this.deps.config.answerTimeoutMs);
      const leave = this.inFlight.enter(`${spec.method} ${spec.path}`, res);
      try {
        const caller = spec.access === 'public' ? undefined : await authenticate(req, this.deps.db, this.deps.config.operatorApiKey);
        if (caller && spec.access !== 'public') requireRole(caller, spec.access as readonly Role[]);
        const params = parse(spec.params, req.params, 'params');
        const query = parse(spec.query, req.query, 'query');
        const body = spec.body ? parse(spec.body, req.body ?? (spec.form ? {} : undefined), 'body') : undefined;
        const idempotencyKey = spec.idempotent ? idempotencyKeyOf(req) : undefined;
        const run = () =>
          this.deps.temporal.withDeadline(deadline, () => spec.handle({ params, query, body, caller: caller as CallerFor<A>, idempotencyKey, req, res } as never));
        const reply =
          spec.idempotent === true && caller && idempotencyKey !== undefined
            ? await this.idempotently({ req, res, caller, key: idempotencyKey, body, deadline }, run)
            : await run();
        send(res, reply);
      } finally {
        leave();
      }
    });
  }

  /**
   * Runs a request once per (caller, key): replays a stored answer, waits (within the deadline) for a
   * request holding the key, or takes over a reservation whose lease ran out. The lease outlives any
   * request (twice the answer bound), so a key is never "in use" by a request that is gone.
   */
  private async idempotently(
    request: { req: Request; res: Response; caller: Caller; key: string; body: unknown; deadline: number },
    run: () => Promise<Reply>,
  ): Promise<Reply> {
    const { req, res } = request;
    const scope = { ownerId: ownerIdOf(request.caller), key: request.key };
    const fingerprint = createHash('sha256').update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
    const leaseMs = 2 * this.deps.config.answerTimeoutMs;
    for (;;) {
      const claim = await claimIdempotencyKey(this.deps.db, { ...scope, fingerprint, leaseMs });
      if (claim.claimed) return this.holding(req, claim.lease, run);
      const { record } = claim;
      if (record.fingerprint !== fingerprint) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
      }
      if (record.completedAt && record.statusCode) return { status: record.statusCode, json: record.responseBody };
      // Another request holds the key: wait for its answer, or for its lease to run out.
      const leaseLeftMs = record.leaseExpiresAt.getTime() - Date.now();
      if (Date.now() + 100 > request.deadline) {
        res.setHeader('retry-after', String(Math.max(1, Math.ceil(leaseLeftMs / 1000))));
        throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still in progress; retry after the Retry-After delay');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Runs the request that holds the key and stores its answer; a failure on our side frees the key. */
  private async holding(req: Request, lease: IdempotencyLease, run: () => Promise<Reply>): Promise<Reply> {
    try {
      const reply = await run();
      if ('json' in reply && reply.status < 500) await completeIdempotencyKey(this.deps.db, lease, { statusCode: reply.status, responseBody: reply.json });
      else await releaseIdempotencyKey(this.deps.db, lease);
      return reply;
    } catch (error) {
      // Business refusals are answers too; infrastructure failures free the key for a retry (and
      // if freeing fails too, the lease runs out).
      if (error instanceof AppError && error.status < 500) {
        await completeIdempotencyKey(this.deps.db, lease, {
          statusCode: error.status,
          responseBody: { error: { code: error.code, message: error.message, details: error.details, requestId: String(req.res?.getHeader('x-request-id') ?? '') } },
        });
      } else {
        await releaseIdempotencyKey(this.deps.db, lease).catch(() => {});
      }
      throw error;
    }
  }

  private document(spec: RouteSpec<Access, z.ZodType, z.ZodType, z.ZodType>): void {
    const openapiPath = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    this.documented.add(`${spec.method.toUpperCase()} ${spec.path}`);
    const errorCodes = new Set<number>([
      ...(spec.errors ?? []),
      ...(spec.params || spec.query || spec.body ? [400] : []),
      ...(spec.access === 'public' ? [] : [401, 403]),
    ]);
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      const type = response.html ? 'text/html' : (response.contentType ?? 'application/json');
      responses[status] = {
        description: response.description,
        ...(response.schema || response.html || response.contentType
          ? { content: { [type]: { schema: response.schema ?? z.string() } } }
          : {}),
      };
    }
    for (const status of errorCodes) {
      responses[String(status)] = {
        description: Object.entries(errorStatus)
          .filter(([, code]) => code === status)
          .map(([name]) => name)
          .join(', '),
        content: { 'application/json': { schema: errorBodySchema } },
      };
    }
    const bodyContent: Record<string, { schema: z.ZodType }> = {};
    if (spec.body) {
      bodyContent['application/json'] = { schema: spec.body };
      if (spec.form) bodyContent['application/x-www-form-urlencoded'] = { schema: spec.body };
    }
    this.registry.registerPath({
      method: spec.method,
      path: openapiPath,
      summary: spec.summary,
      tags: [spec.tag],
      security: spec.access === 'public' ? [] : [{ bearer: [] }],
      request: {
        params: spec.params as never,
        query: spec.query as never,
        headers: spec.idempotent ? z.object({ 'idempotency-key': idempotencyKeySchema.optional() }) : undefined,
        body: spec.body ? { content: bodyContent, required: true } : undefined,
      },
      responses: responses as never,
    });
  }
}

/** The validated Idempotency-Key header, if present. */
function idempotencyKeyOf(req: Request): string | undefined {
  const header = req.get('idempotency-key');
  if (header === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw validationError(parsed.error, 'header');
  return parsed.data;
}

function parse<T extends z.ZodType | undefined>(schema: T, value: unknown, where: 'params' | 'query' | 'body') {
  if (!schema) return {};
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, where);
  return parsed.data;
}

export function send(res: Response, reply: Reply): void {
  // The answer bound may have answered already (503); the late reply is dropped.
  if (res.headersSent) return;
  res.status(reply.status);
  if ('json' in reply) res.json(reply.json);
  else if ('html' in reply) res.type('html').send(reply.html);
  else res.type(reply.contentType).send(reply.text);
}

/** Shared request pieces. */
export const idParams = z.object({ id: z.uuid({ message: 'must be a UUID' }) });
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

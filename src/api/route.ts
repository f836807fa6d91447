import { createHash } from 'node:crypto';
import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { uuid } from '../domain/text';
import { decodeCursor } from '../db/queries/pagination';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  type IdempotencyLease,
} from '../db/queries/idempotency';
import { workDeadline } from './answer-bound';
import { Authenticator, ownerIdOf, requireRole, type Caller, type Role } from './auth';
import type { ApiDeps } from './context';
import { cursorSeal, type CursorSeal } from './cursor';
import { AppError, errorStatus } from '../domain/errors';
import { errorBodySchema, validationError } from './errors';
import { InFlightLimits } from './load-shedding';
import { replyDrift } from './reply-check';

/** What a handler returns: JSON with a status, an HTML page, or a raw body (metrics, docs). */
export type Reply =
  | { status: number; json: unknown }
  | { status: number; html: string }
  | { status: number; text: string; contentType: string };

/** One documented answer of a route: a JSON schema, an HTML page, or a raw body of a content type. */
export type ResponseSpec = { description: string; schema?: z.ZodType; html?: boolean; contentType?: string };
export type Responses = Record<number, ResponseSpec>;

/** The JSON a declared answer accepts: the input type of its schema (never, for a page or raw body). */
type JsonOf<T extends ResponseSpec> = T extends { schema: infer S extends z.ZodType } ? z.input<S> : never;

/**
 * The replies a route may give, derived from the answers it declares: a declared status `S` with JSON
 * its schema accepts (`z.input`), an HTML page or a raw body. A reply with an undeclared status, or JSON
 * of another shape, does not compile. `S` is inferred from the handler, so a handler that answers
 * several statuses is held to the union of their schemas here, and to each one at run time.
 */
export type ReplyFor<R extends Responses, S extends keyof R & number = keyof R & number> =
  | { status: S; json: JsonOf<R[S]> }
  | { status: S; html: string }
  | { status: S; text: string; contentType: string };

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
type Access = 'public' | readonly Role[];

type CallerFor<A> = A extends readonly (infer R extends Role)[] ? Extract<Caller, { role: R }> : undefined;

export type RouteSpec<
  A extends Access,
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  R extends Responses = Responses,
  S extends keyof R & number = keyof R & number,
> = {
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
  responses: R;
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
  }) => Promise<ReplyFor<R, S>>;
};

/** Paths behind a rate limit (see app.ts), which may answer 429. */
export const rateLimitedPrefixes = ['/v1/', '/invitations/', '/reseller-relationships/'];

const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/**
 * Declares an endpoint once: the express route that validates and authorises it, and its entry in
 * the OpenAPI document, built from the same zod schemas — so the document cannot miss a route.
 */
export class ApiBuilder {
  readonly registry = new OpenAPIRegistry();
  readonly documented = new Set<string>();
  private readonly inFlight: InFlightLimits;
  /** Resolves API keys for every route (and the codec's own check); see auth.ts. */
  readonly authenticator: Authenticator;

  private readonly cursors: CursorSeal;
  private readonly declared: { method: Method; pattern: RegExp; literals: number }[] = [];
  /** Every declared route with its request schemas, for tests that walk them (OpenAPI coverage, poison input). */
  readonly routes: Pick<
    RouteSpec<Access, z.ZodType, z.ZodType, z.ZodType>,
    'method' | 'path' | 'access' | 'params' | 'query' | 'body' | 'form'
  >[] = [];

  constructor(
    private readonly router: Router,
    private readonly deps: ApiDeps,
  ) {
    this.cursors = cursorSeal(deps.keyRing);
    this.registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
    this.inFlight = new InFlightLimits(deps.config.maxInFlightPerRoute);
    this.authenticator = new Authenticator({
      db: deps.db,
      operatorApiKey: deps.config.operatorApiKey,
      cacheTtlMs: deps.config.apiKeyCacheTtlMs,
    });
  }

  route<
    A extends Access,
    R extends Responses,
    S extends keyof R & number,
    P extends z.ZodType = z.ZodObject<{}>,
    Q extends z.ZodType = z.ZodObject<{}>,
    B extends z.ZodType = z.ZodUndefined,
  >(spec: RouteSpec<A, P, Q, B, R, S>): void {
    this.document(spec);
    this.declare(spec.method, spec.path);
    this.routes.push({
      method: spec.method,
      path: spec.path,
      access: spec.access,
      params: spec.params,
      query: spec.query,
      body: spec.body,
      form: spec.form,
    });
    const bodyParsers = spec.form ? [formParser] : [];
    const literals = spec.path.split('/').filter((segment) => segment && !segment.startsWith(':')).length;
    this.router[spec.method](spec.path, ...bodyParsers, async (req, res, next) => {
      // A parameter must not capture a path that a more literal route owns (PATCH /v1/partners/me is a 405).
      if (this.routesOwning(req.path)[0]?.literals !== literals) return next();
      // Every Temporal call the handler makes shares one deadline, inside the answer bound.
      const deadline = workDeadline(this.deps.config.answerTimeoutMs);
      const leave = this.inFlight.enter(`${spec.method} ${spec.path}`, res);
      try {
        const caller = spec.access === 'public' ? undefined : await this.authenticator.authenticate(req);
        if (caller && spec.access !== 'public') requireRole(caller, spec.access as readonly Role[]);
        if (spec.body)
          requireMediaType(
            req,
            spec.form ? ['application/json', 'application/x-www-form-urlencoded'] : ['application/json'],
          );
        const params = parse(spec.params, req.params, 'params');
        const query = parse(spec.query, this.openCursor(req.query), 'query');
        const body = spec.body ? parse(spec.body, req.body ?? (spec.form ? {} : undefined), 'body') : undefined;
        const idempotencyKey = spec.idempotent ? idempotencyKeyOf(req) : undefined;
        const run = () =>
          this.deps.temporal.withDeadline(
            deadline,
            async (): Promise<Reply> =>
              this.checked(
                spec,
                await spec.handle({
                  params,
                  query,
                  body,
                  caller: caller as CallerFor<A>,
                  idempotencyKey,
                  req,
                  res,
                } as never),
              ),
          );
        const reply =
          spec.idempotent === true && caller && idempotencyKey !== undefined
            ? await this.idempotently({ req, res, caller, key: idempotencyKey, body, deadline }, run)
            : await run();
        send(res, this.sealCursor(reply));
      } finally {
        leave();
      }
    });
  }

  /**
   * With API_CHECK_REPLIES on (the default outside production), a JSON reply must parse against the
   * schema its route declares for its status and carry no field the schema does not declare; one that
   * drifts is logged and answered 500, so every test that calls the API also tests the contract.
   */
  private checked(spec: { method: Method; path: string; responses: Responses }, reply: Reply): Reply {
    if (!this.deps.config.checkReplies || !('json' in reply)) return reply;
    const drift = replyDrift(spec.responses[reply.status]?.schema, reply.json);
    if (drift === undefined) return reply;
    this.deps.logger.error(
      { route: `${spec.method.toUpperCase()} ${spec.path}`, status: reply.status, drift },
      'reply does not match its declared schema',
    );
    throw new AppError(
      'INTERNAL',
      'Internal error: the reply did not match the documented schema; quote the request id when reporting it',
    );
  }

  /**
   * The methods declared for a path, for `Allow` (405, OPTIONS); empty when no route has the path.
   * A path with literal segments shadows parameters: `/v1/partners/me` is not `/v1/partners/:id`.
   */
  allowedMethods(path: string): string[] {
    const methods = this.routesOwning(path).map((route) => route.method.toUpperCase());
    if (methods.includes('GET')) methods.push('HEAD');
    return [...new Set(methods)];
  }

  /** The declared routes that own a path: those matching it with the most literal segments. */
  private routesOwning(path: string) {
    const matching = this.declared.filter((route) => route.pattern.test(path));
    const most = Math.max(...matching.map((route) => route.literals));
    return matching.filter((route) => route.literals === most);
  }

  private declare(method: Method, path: string): void {
    const pattern = new RegExp(
      `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`,
      'i',
    );
    const literals = path.split('/').filter((segment) => segment && !segment.startsWith(':')).length;
    this.declared.push({ method, pattern, literals });
  }

  /** A list's `cursor` parameter arrives sealed; the route sees the position inside. */
  private openCursor(query: Request['query']): Request['query'] {
    if (typeof query.cursor !== 'string') return query;
    const position = this.cursors.open(query.cursor);
    if (position === undefined) {
      throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor this API issued', [
        { path: 'query.cursor', code: 'invalid', message: 'unknown cursor' },
      ]);
    }
    return { ...query, cursor: position };
  }

  /** A page's `nextCursor` leaves sealed. */
  private sealCursor(reply: Reply): Reply {
    if (!('json' in reply) || !reply.json || typeof reply.json !== 'object') return reply;
    const { nextCursor } = reply.json as { nextCursor?: unknown };
    if (typeof nextCursor !== 'string') return reply;
    return { ...reply, json: { ...reply.json, nextCursor: this.cursors.seal(nextCursor) } };
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
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${req.baseUrl}${req.path}\n${JSON.stringify(request.body ?? null)}`)
      .digest('hex');
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
        throw new AppError(
          'IDEMPOTENCY_KEY_IN_USE',
          'A request with this Idempotency-Key is still in progress; retry after the Retry-After delay',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Runs the request that holds the key and stores its answer; a failure on our side frees the key. */
  private async holding(req: Request, lease: IdempotencyLease, run: () => Promise<Reply>): Promise<Reply> {
    try {
      const reply = await run();
      if ('json' in reply && reply.status < 500)
        await completeIdempotencyKey(this.deps.db, lease, { statusCode: reply.status, responseBody: reply.json });
      else await releaseIdempotencyKey(this.deps.db, lease);
      return reply;
    } catch (error) {
      // Business refusals are answers too; infrastructure failures free the key for a retry (and
      // if freeing fails too, the lease runs out).
      if (error instanceof AppError && error.status < 500) {
        await completeIdempotencyKey(this.deps.db, lease, {
          statusCode: error.status,
          responseBody: {
            error: {
              code: error.code,
              message: error.message,
              details: error.details,
              requestId: String(req.res?.getHeader('x-request-id') ?? ''),
            },
          },
        });
      } else {
        await releaseIdempotencyKey(this.deps.db, lease).catch(() => {});
      }
      throw error;
    }
  }

  private document(spec: RouteSpec<Access, z.ZodType, z.ZodType, z.ZodType, Responses>): void {
    const openapiPath = spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    this.documented.add(`${spec.method.toUpperCase()} ${spec.path}`);
    const errorCodes = new Set<number>([
      ...(spec.errors ?? []),
      ...(spec.params || spec.query || spec.body ? [400] : []),
      ...(spec.body ? [413, 415] : []),
      ...(spec.access === 'public' ? [] : [401, 403]),
      ...(rateLimitedPrefixes.some((prefix) => spec.path.startsWith(prefix)) ? [429] : []),
      // Every route reads the database or Temporal, and answers 503 while one is down.
      503,
    ]);
    for (const status of Object.keys(spec.responses)) errorCodes.delete(Number(status));
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

/** Only the pages behind emailed links take HTML form posts; the JSON API reads JSON only. */
const formParser = express.urlencoded({ extended: false, limit: '16kb' });

/** A body in a media type the route does not read is a 415, not a confusing 400 about missing fields. */
function requireMediaType(req: Request, accepted: string[]): void {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is(accepted)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the body as ${accepted.join(' or ')}`);
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
export const idParams = z.object({ id: uuid });
export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(500)
    .regex(/^[A-Za-z0-9._-]+$/, 'a nextCursor from a previous page')
    .optional(),
});
/** A PATCH body: every field optional, at least one present (said in the document as minProperties). */
export const patchOf = <S extends z.ZodRawShape>(shape: S) =>
  z
    .strictObject(shape)
    .partial()
    .refine((body) => Object.keys(body).length > 0, 'send at least one field to change')
    .meta({ minProperties: 1 });
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

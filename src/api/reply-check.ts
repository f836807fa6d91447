import type { z } from 'zod';

/**
 * How a JSON reply departs from the schema declared for its status, or undefined when it does not:
 * no schema declared, a value the schema refuses (each issue with its path), or a field the schema
 * does not declare (zod objects would strip it silently, so it is found by comparing the parsed
 * value with the reply).
 */
export function replyDrift(schema: z.ZodType | undefined, json: unknown): string[] | undefined {
  if (!schema) return ['no JSON schema is declared for this status'];
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    return parsed.error.issues.map((issue) => `${issue.path.join('.') || '(reply)'}: ${issue.message}`);
  const undeclared = undeclaredFields(json, parsed.data, '');
  return undeclared.length > 0 ? undeclared.map((path) => `${path}: not declared in the schema`) : undefined;
}

/** Paths present (and not undefined) in the reply but absent from what the schema kept of it. */
function undeclaredFields(sent: unknown, kept: unknown, at: string): string[] {
  if (Array.isArray(sent) && Array.isArray(kept))
    return sent.flatMap((item, index) => undeclaredFields(item, kept[index], `${at}[${index}]`));
  if (!isPlainObject(sent) || !isPlainObject(kept)) return [];
  return Object.entries(sent).flatMap(([key, value]) => {
    const path = at ? `${at}.${key}` : key;
    if (value === undefined) return [];
    if (!(key in kept)) return [path];
    return undeclaredFields(value, kept[key], path);
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

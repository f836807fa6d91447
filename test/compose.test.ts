import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import {
  SCHEMA_NAMES,
  SQL_PLUGIN,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
} from '../src/temporal/server-versions';

/**
 * docker-compose.yml cannot be started here (no Docker), so it is checked as a document: YAML without
 * errors, the subset of the Compose specification it uses (unknown keys rejected), references that
 * resolve, and the Temporal images pinned to the versions `npm run prod:local` builds and runs.
 */
const file = path.resolve(import.meta.dirname, '..', 'docker-compose.yml');

const condition = z.enum(['service_started', 'service_healthy', 'service_completed_successfully']);
const stringList = z.array(z.string());
const service = z
  .object({
    image: z
      .string()
      .regex(/^[\w./-]+:[\w.-]+$/, 'an image with a pinned tag')
      .optional(),
    build: z.string().optional(),
    command: z.union([z.string(), stringList]).optional(),
    entrypoint: z.union([z.string(), stringList]).optional(),
    environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    depends_on: z.union([stringList, z.record(z.string(), z.object({ condition })).optional()]).optional(),
    ports: stringList.optional(),
    volumes: stringList.optional(),
    configs: z.array(z.object({ source: z.string(), target: z.string() }).strict()).optional(),
    healthcheck: z
      .object({ test: stringList, interval: z.string().optional(), retries: z.number().optional() })
      .strict()
      .optional(),
    restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
    stop_grace_period: z.string().optional(),
  })
  .strict()
  .refine((value) => Boolean(value.image) !== Boolean(value.build), 'exactly one of image and build');
const compose = z
  .object({
    services: z.record(z.string(), service),
    volumes: z.record(z.string(), z.null()).optional(),
    configs: z.record(z.string(), z.object({ content: z.string() }).strict()).optional(),
  })
  .catchall(z.unknown())
  .refine(
    (value) =>
      Object.keys(value).every((key) => ['services', 'volumes', 'configs'].includes(key) || key.startsWith('x-')),
    'only services, volumes, configs and x- extensions',
  );

function load() {
  const document = parseDocument(readFileSync(file, 'utf8'), { merge: true });
  expect(document.errors).toEqual([]);
  return compose.parse(document.toJS({ maxAliasCount: 100 }));
}

describe('docker-compose.yml', () => {
  it('is a valid Compose document whose references all resolve', () => {
    const { services, volumes = {}, configs = {} } = load();
    for (const [name, definition] of Object.entries(services)) {
      const dependencies = Array.isArray(definition.depends_on)
        ? definition.depends_on
        : Object.keys(definition.depends_on ?? {});
      for (const dependency of dependencies)
        expect(services, `${name} depends on ${dependency}`).toHaveProperty([dependency]);
      for (const mount of definition.volumes ?? []) {
        const source = mount.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/'))
          expect(volumes, `${name} mounts volume ${source}`).toHaveProperty([source]);
      }
      for (const config of definition.configs ?? [])
        expect(configs, `${name} uses config ${config.source}`).toHaveProperty([config.source]);
    }
  });

  it('runs the maintained Temporal images at the versions the install script builds', () => {
    const { services } = load();
    const images = Object.values(services)
      .map((definition) => definition.image)
      .filter((image): image is string => Boolean(image));
    expect(images.filter((image) => image.startsWith('temporalio/')).sort()).toEqual(
      [
        `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`,
        `temporalio/admin-tools:${TEMPORAL_SERVER_VERSION}`,
        `temporalio/server:${TEMPORAL_SERVER_VERSION}`,
        `temporalio/ui:${TEMPORAL_UI_VERSION}`,
      ].sort(),
    );
    expect(images.some((image) => image.includes('auto-setup'))).toBe(false);
  });

  it('sets up the same schemas with the same SQL plugin as prod:local', () => {
    const { services } = load();
    const setup = JSON.stringify(services['temporal-schema']);
    expect(setup).toContain(`temporal:${SCHEMA_NAMES.persistence}`);
    expect(setup).toContain(`temporal_visibility:${SCHEMA_NAMES.visibility}`);
    expect(services['temporal-schema']!.environment).toMatchObject({ SQL_PLUGIN });
    expect(services.temporal!.environment).toMatchObject({ DB: SQL_PLUGIN });
  });
});

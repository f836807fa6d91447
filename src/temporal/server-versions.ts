/**
 * The one place the production Temporal topology's versions are pinned. The install script builds
 * exactly these (src/temporal/server-binaries.ts), and test/compose.test.ts keeps the image tags in
 * docker-compose.yml equal to them.
 */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The Web UI release the pinned CLI (1.9.1, server 1.32) embeds; the ui-server module of the same version. */
export const TEMPORAL_UI_VERSION = '2.54.1';
/** Server 1.32 needs a newer Go than Debian's; the Go module proxy serves this toolchain too. */
export const GO_TOOLCHAIN = 'go1.27.3';
/** The SQL persistence plugin and the embedded schema directories of the server module (v1.32). */
export const SQL_PLUGIN = 'postgres12';
export const SCHEMA_NAMES = {
  persistence: 'postgresql/v12/temporal',
  visibility: 'postgresql/v12/visibility',
} as const;

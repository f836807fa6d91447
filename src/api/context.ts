import type { Mailer } from '../mail/mailer';
import type { Metrics } from '../metrics';
import type { ServiceDeps } from '../services/deps';

/** Everything a route needs, built once by the process that serves the API: the services' deps and the HTTP extras. */
export type ApiDeps = ServiceDeps & {
  mailer: Mailer;
  metrics: Metrics;
  /** Dev mode opens /dev/outbox without a key. */
  devMode?: boolean;
};

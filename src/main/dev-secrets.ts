import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newApiKey } from '../security/tokens';

export type DevSecrets = {
  operatorApiKey: string;
  encryptionKey: string;
  providerApiKey: string;
  resellerApiKey: string;
};

/**
 * Dev mode generates its secrets once and keeps them under DATA_DIR (mode 0600), so a second
 * `npm start` resumes with the same keys and can still decrypt what the first one stored.
 */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = path.resolve(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  mkdirSync(path.dirname(file), { recursive: true });
  const secrets: DevSecrets = {
    operatorApiKey: `op_${randomBytes(24).toString('base64url')}`,
    encryptionKey: randomBytes(32).toString('base64'),
    providerApiKey: newApiKey(),
    resellerApiKey: newApiKey(),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

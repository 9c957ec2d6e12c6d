import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ensurePrivateDir } from './private.js';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, type Config } from './env.js';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Constant-time check of a presented secret against a stored SHA-256 hex digest. */
export function matchesHash(presented: string, expectedHex: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = Buffer.from(expectedHex, 'hex');
  return b.length === a.length && timingSafeEqual(a, b);
}

export const newSecret = (): string => randomBytes(32).toString('base64url');

export interface Credentials {
  dashboardTokenHash: string;
  serviceKeyHash: string;
}

const keyFileSchema = z.object({
  dashboard_token_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  service_key_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const keyFilePath = (dataDir: string) => join(dataDir, 'keys.json');

function writeKeyFile(dataDir: string, creds: Credentials): void {
  ensurePrivateDir(dataDir);
  const path = keyFilePath(dataDir);
  const body = JSON.stringify(
    { dashboard_token_sha256: creds.dashboardTokenHash, service_key_sha256: creds.serviceKeyHash },
    null,
    2,
  );
  writeFileSync(path, body + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readKeyFile(dataDir: string): Credentials | undefined {
  const path = keyFilePath(dataDir);
  if (!existsSync(path)) return undefined;
  const parsed = keyFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new ConfigError('DOCKHAND_DATA_DIR', `${path} is not a valid key file; delete it and run "dockhand keys rotate"`);
  }
  return {
    dashboardTokenHash: parsed.data.dashboard_token_sha256,
    serviceKeyHash: parsed.data.service_key_sha256,
  };
}

export interface Generated {
  dashboardToken?: string;
  serviceKey?: string;
}

/**
 * Settles which hashes this process checks against. Environment values win; otherwise the key file
 * in the data dir; otherwise new secrets are generated, handed back once to be printed, and only
 * their hashes are kept on disk.
 */
export function resolveCredentials(config: Config): { credentials: Credentials; generated: Generated } {
  const stored = readKeyFile(config.dataDir);
  const generated: Generated = {};

  let dashboardTokenHash: string;
  if (config.dashboardToken) dashboardTokenHash = sha256Hex(config.dashboardToken);
  else if (stored) dashboardTokenHash = stored.dashboardTokenHash;
  else {
    generated.dashboardToken = newSecret();
    dashboardTokenHash = sha256Hex(generated.dashboardToken);
  }

  let serviceKeyHash: string;
  if (config.serviceKeyHash) serviceKeyHash = config.serviceKeyHash;
  else if (config.serviceKey) serviceKeyHash = sha256Hex(config.serviceKey);
  else if (stored) serviceKeyHash = stored.serviceKeyHash;
  else {
    generated.serviceKey = newSecret();
    serviceKeyHash = sha256Hex(generated.serviceKey);
  }

  const credentials = { dashboardTokenHash, serviceKeyHash };
  if (generated.dashboardToken || generated.serviceKey) {
    writeKeyFile(config.dataDir, {
      dashboardTokenHash: stored && !generated.dashboardToken ? stored.dashboardTokenHash : dashboardTokenHash,
      serviceKeyHash: stored && !generated.serviceKey ? stored.serviceKeyHash : serviceKeyHash,
    });
  }
  return { credentials, generated };
}

/** New secrets for both credentials; the old ones stop working at the next start. */
export function rotateCredentials(dataDir: string): Required<Generated> {
  const dashboardToken = newSecret();
  const serviceKey = newSecret();
  writeKeyFile(dataDir, { dashboardTokenHash: sha256Hex(dashboardToken), serviceKeyHash: sha256Hex(serviceKey) });
  return { dashboardToken, serviceKey };
}

import 'dotenv/config';
import { ConfigError, parseConfig, type Config } from '../config/env.js';
import { createDockhand, type Dockhand, type ServiceName } from '../app.js';
import type { Generated } from '../config/credentials.js';

/** Parses the environment once; a bad value ends the process with the variable's name. */
export function loadConfigOrExit(): Config {
  try {
    return parseConfig(process.env);
  } catch (error) {
    fail(error);
  }
}

export function fail(error: unknown): never {
  if (error instanceof ConfigError) console.error(`dockhand: configuration error: ${error.message}`);
  else console.error(`dockhand: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

/** Shown exactly once: only the hashes are kept, so a secret not copied now is gone. */
export function printGenerated(generated: Generated, dataDir: string): void {
  if (!generated.dashboardToken && !generated.serviceKey) return;
  const lines = ['', 'Dockhand generated credentials on first start. They are shown once; only their SHA-256 hashes are kept', `in ${dataDir}/keys.json. Store them now (a password manager), or run "dockhand keys rotate" for new ones.`];
  if (generated.dashboardToken) lines.push(`  Dashboard token (X-Dashboard-Token or Authorization: Bearer): ${generated.dashboardToken}`);
  if (generated.serviceKey) lines.push(`  Service key     (X-Service-Key or Authorization: Bearer):     ${generated.serviceKey}`);
  console.error(lines.join('\n') + '\n');
}

/** A Dockhand for a command that needs the database but no HTTP listener. */
export async function openDockhand(options: { only?: ServiceName; logLevel?: Config['logLevel']; migrate?: boolean } = {}): Promise<Dockhand> {
  const config = loadConfigOrExit();
  if (options.logLevel && config.logLevel === 'info') config.logLevel = options.logLevel;
  try {
    const dockhand = await createDockhand({ config, only: options.only, background: false, migrate: options.migrate });
    printGenerated(dockhand.generated, config.dataDir);
    return dockhand;
  } catch (error) {
    fail(error);
  }
}

/**
 * One Dockhand process for the bench, configured from its environment like `dockhand serve`:
 * `embedded` runs the API with the saga engine and mail dispatcher (the SQLite default), `api` runs
 * the HTTP API alone (the PostgreSQL deployment, whose `dockhand worker` processes do the work).
 */
import { createDockhand } from '../../src/app.js';
import { parseConfig } from '../../src/config/env.js';

const background = process.argv[2] !== 'api';
const dockhand = await createDockhand({ config: parseConfig(process.env), migrate: true, background });
const url = await dockhand.listen();
console.error(`bench dockhand listening on ${url}`);
let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  dockhand.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

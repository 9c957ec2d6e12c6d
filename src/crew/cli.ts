import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { AppContext } from '../context.js';
import { AppError } from '../http/errors.js';
import { CrewService } from './service.js';
import type { CrewMember } from './types.js';

type Open = () => Promise<{ ctx: AppContext; close(): Promise<void> }>;

const ACTOR = 'cli';

/** Prints a problem the way a person can act on it and marks the run failed, without killing the process. */
function report(error: unknown): void {
  if (error instanceof AppError) {
    console.error(`dockhand: ${error.message}`);
    if (error.details.length > 1) for (const d of error.details) console.error(`  ${d.path}: ${d.message}`);
  } else {
    console.error(`dockhand: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = 1;
}

async function withService(open: Open, work: (service: CrewService) => Promise<void>): Promise<void> {
  let handle: Awaited<ReturnType<Open>> | undefined;
  try {
    handle = await open();
    await work(new CrewService(handle.ctx));
  } catch (error) {
    report(error);
  } finally {
    await handle?.close();
  }
}

export function crewTable(crew: CrewMember[]): string {
  const rows = [['ID', 'NAME', 'EMAIL', 'ROLES'], ...crew.map((m) => [m.id, m.name, m.email, m.roles.join(', ')])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}). It should be an array like [{"id": "crew-1", "name": "Ana Lima", "email": "ana@example.com", "roles": ["crew"]}].`);
  }
}

/** `dockhand crew add|list|remove|import`: the roster from a terminal. */
export function registerCrewCommands(program: Command, open: Open): void {
  const crew = program.command('crew').description('the crew roster');

  crew
    .command('add')
    .description('add a person to the roster')
    .requiredOption('--id <id>', 'short id: lowercase letters, digits, - and _ (e.g. crew-5)')
    .requiredOption('--name <name>', 'full name, as crew see it')
    .requiredOption('--email <email>', 'where their magic links go')
    .option('--roles <roles>', 'comma-separated roles, e.g. crew or crew,captain', 'crew')
    .action((opts: { id: string; name: string; email: string; roles: string }) =>
      withService(open, async (service) => {
        const roles = opts.roles.split(',').map((r) => r.trim()).filter(Boolean);
        const member = await service.addCrew({ id: opts.id, name: opts.name, email: opts.email, roles }, ACTOR);
        console.log(`Added ${member.name} (${member.id}, ${member.roles.join(', ')}) <${member.email}>.`);
      }),
    );

  crew
    .command('list')
    .description('show the roster')
    .action(() =>
      withService(open, async (service) => {
        const list = await service.listCrew();
        if (list.length === 0) console.log('The roster is empty. Add someone with: dockhand crew add --id crew-1 --name "Ana Lima" --email ana@example.com --roles crew');
        else console.log(crewTable(list));
      }),
    );

  crew
    .command('remove')
    .description('take a person off the roster (events they are on keep them)')
    .argument('<id>', 'their roster id')
    .action((id: string) =>
      withService(open, async (service) => {
        const member = await service.getCrew(id);
        await service.removeCrew(id, ACTOR);
        console.log(`Removed ${member.name} (${id}) from the roster.`);
      }),
    );

  crew
    .command('import')
    .description('add or update people from a JSON array of {id, name, email, roles}')
    .argument('<file>', 'a JSON file, e.g. test/fixtures/crew.json')
    .action((file: string) =>
      withService(open, async (service) => {
        const list = await readJson(file);
        const { added, updated } = await service.importCrew(list, ACTOR);
        const total = Array.isArray(list) ? list.length : 0;
        console.log(`Imported ${file}: ${added} added, ${updated} updated, ${total - added - updated} unchanged.`);
      }),
    );
}

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { registerCrewCommands } from './cli.js';

const fixturePath = join(import.meta.dirname, '../../test/fixtures/crew.json');
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { id: string }[];

let app: TestDockhand;
beforeAll(async () => {
  app = await startDockhand({ only: 'crew' });
});
afterAll(() => app.close());

describe('roster over HTTP', () => {
  it('refuses requests without a credential', async () => {
    const res = await api(`${app.url}/crew`);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('unauthorized');
    expect((await api(`${app.url}/crew`, { headers: { 'x-dashboard-token': 'wrong-token-wrong-token' } })).status).toBe(401);
  });

  it('adds, reads, changes and removes a person, with either credential', async () => {
    const ana = { id: 'ana', name: 'Ana Lima', email: 'ana@crew.example', roles: ['crew'] };
    const created = await api(`${app.url}/crew`, { headers: app.operator, body: ana });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(ana);
    expect((await api(`${app.url}/crew`, { headers: app.service, body: ana })).status).toBe(409);

    expect((await api(`${app.url}/crew/ana`, { headers: app.service })).body).toEqual(ana);
    const changed = await api(`${app.url}/crew/ana`, { method: 'PATCH', headers: app.operator, body: { roles: ['crew', 'Captain'] } });
    expect(changed.status).toBe(200);
    expect(changed.body.roles).toEqual(['crew', 'captain']);
    expect((await api(`${app.url}/crew`, { headers: app.operator })).body.crew).toEqual([{ ...ana, roles: ['crew', 'captain'] }]);

    const removed = await api(`${app.url}/crew/ana`, { method: 'DELETE', headers: app.operator });
    expect(removed).toMatchObject({ status: 200, body: { id: 'ana', removed: true } });
    expect((await api(`${app.url}/crew/ana`, { headers: app.operator })).status).toBe(404);
    expect((await api(`${app.url}/crew/ana`, { method: 'DELETE', headers: app.operator })).status).toBe(404);

    const trail = await app.dockhand.ctx.db.selectFrom('audit_log').select(['action', 'actor']).where('entity', '=', 'crew_member').where('entity_id', '=', 'ana').orderBy('at').execute();
    expect(trail.map((t) => t.action)).toEqual(['add', 'change', 'remove']);
  });

  it('says what is wrong with bad input', async () => {
    const res = await api(`${app.url}/crew`, { headers: app.operator, body: { id: 'Bad Id', name: '', email: 'nope', roles: [] } });
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'id', 'name', 'roles']);
    const empty = await api(`${app.url}/crew/x`, { method: 'PATCH', headers: app.operator, body: { name: 'New' } });
    expect(empty.status).toBe(404);
  });
});

describe('crew CLI', () => {
  const out: string[] = [];
  const err: string[] = [];
  const run = async (...args: string[]) => {
    out.length = 0;
    err.length = 0;
    process.exitCode = undefined;
    const program = new Command().exitOverride();
    registerCrewCommands(program, async () => ({ ctx: app.dockhand.ctx, close: async () => {} }));
    await program.parseAsync(['node', 'dockhand', ...args]);
    const code = process.exitCode;
    process.exitCode = undefined;
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  });
  afterEach(() => {
    process.exitCode = undefined;
  });
  afterAll(() => vi.restoreAllMocks());

  it('imports the fixture, then reports updates on a second run', async () => {
    const first = await run('crew', 'import', fixturePath);
    expect(first.code).toBeUndefined();
    expect(first.out).toContain(`${fixture.length} added, 0 updated`);

    const dir = mkdtempSync(join(tmpdir(), 'crew-import-'));
    const changed = JSON.parse(readFileSync(fixturePath, 'utf8')) as { name: string }[];
    changed[0]!.name = 'Rosa M. Marquez';
    writeFileSync(join(dir, 'crew.json'), JSON.stringify(changed));
    const second = await run('crew', 'import', join(dir, 'crew.json'));
    expect(second.out).toContain('0 added, 1 updated');

    const listed = await run('crew', 'list');
    expect(listed.out.split('\n')[0]).toMatch(/^ID\s+NAME\s+EMAIL\s+ROLES$/);
    expect(listed.out).toContain('Rosa M. Marquez');
    expect(listed.out).toMatch(/captain-2\s+Dan Whitaker\s+dan@crew\.example\s+captain, crew/);
  });

  it('adds and removes one person', async () => {
    expect((await run('crew', 'add', '--id', 'crew-9', '--name', 'Ines Sousa', '--email', 'ines@crew.example', '--roles', 'crew,captain')).out).toContain('Added Ines Sousa');
    const member = await api(`${app.url}/crew/crew-9`, { headers: app.operator });
    expect(member.body.roles).toEqual(['crew', 'captain']);
    expect((await run('crew', 'remove', 'crew-9')).out).toContain('Removed Ines Sousa');
    expect((await api(`${app.url}/crew/crew-9`, { headers: app.operator })).status).toBe(404);
  });

  it('explains bad input and sets a failing exit code', async () => {
    const bad = await run('crew', 'add', '--id', 'crew 9', '--name', 'X', '--email', 'not-an-email');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/id: must be 1-64 characters/);
    expect(bad.err).toMatch(/email: must be a valid email/);

    const dup = await run('crew', 'add', '--id', 'crew-1', '--name', 'X', '--email', 'x@crew.example');
    expect(dup).toMatchObject({ code: 1 });
    expect(dup.err).toContain('already exists');

    expect((await run('crew', 'remove', 'nobody')).code).toBe(1);

    const missing = await run('crew', 'import', '/nonexistent/crew.json');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no such file');

    const dir = mkdtempSync(join(tmpdir(), 'crew-import-'));
    writeFileSync(join(dir, 'bad.json'), '[{"id": "x",');
    expect((await run('crew', 'import', join(dir, 'bad.json'))).err).toContain('is not valid JSON');
    writeFileSync(join(dir, 'dup.json'), JSON.stringify([fixture[0], fixture[0]]));
    const dup2 = await run('crew', 'import', join(dir, 'dup.json'));
    expect(dup2.code).toBe(1);
    expect(dup2.err).toContain('appears more than once');
  });
});

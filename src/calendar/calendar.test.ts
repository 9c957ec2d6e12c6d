import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startDockhand, type TestDockhand } from '../../test/helpers/app.js';
import { CalendarService, type CalendarEntryInput } from './service.js';

const origin = JSON.parse(readFileSync(new URL('../../test/fixtures/calendar-entry-origin.json', import.meta.url), 'utf8')) as CalendarEntryInput;

describe('calendar service over HTTP', () => {
  let t: TestDockhand;
  const calendar = (path = '') => `${t.url}/calendar${path}`;
  const post = (body: unknown, headers: Record<string, string> = {}) => api(calendar(), { headers: { ...t.operator, ...headers }, body });
  const count = async (table: 'calendar_entries' | 'audit_log' | 'idempotency_keys') =>
    Number((await t.dockhand.ctx.db.selectFrom(table).select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const auditOf = (id: string) =>
    t.dockhand.ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'calendar_entry').where('entity_id', '=', id).orderBy('at').execute();

  beforeAll(async () => {
    t = await startDockhand({ only: 'calendar', background: false });
  });
  afterAll(() => t.close());

  it('creates the origin body with crew cost 300 and reads it back', async () => {
    const created = await post(origin);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...origin,
      crew_cost: 300,
      status: 'scheduled',
      version: 1,
      start_time: null,
      timezone: null,
      boat: null,
      booking_ref: null,
      notes: null,
    });
    expect(created.body.id).toMatch(/^cal_/);
    const row = await t.dockhand.ctx.db.selectFrom('calendar_entries').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(row.crew_cost_cents).toBe(30_000);

    const fetched = await api(calendar(`/${created.body.id}`), { headers: t.operator });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
    expect((await auditOf(created.body.id)).map((a) => a.action)).toEqual(['create']);
  });

  it('trims text and keeps the optional fields', async () => {
    const res = await post({ ...origin, location: '  Dock 7 ', start_time: '09:30', timezone: 'America/Los_Angeles', boat: 'JADA', booking_ref: 'bk_1', notes: 'Bring ice' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ location: 'Dock 7', start_time: '09:30', timezone: 'America/Los_Angeles', boat: 'JADA', booking_ref: 'bk_1', notes: 'Bring ice' });
  });

  it('computes crew cost in cents, without float error', async () => {
    // 0.1 + 0.2 style trouble: 3 × 33.33 × 1.5 = 149.985 → 149.99 (rounded once, in cents).
    const res = await post({ ...origin, duration_hours: 1.5, crew_assignments: [{ role: 'deckhand', count: 3, hourly_rate: 33.33 }, { role: 'captain', count: 0, hourly_rate: 80 }] });
    expect(res.body.crew_cost).toBe(149.99);
    const none = await post({ ...origin, crew_assignments: [] });
    expect(none.body.crew_cost).toBe(0);
  });

  it('lists by date range, inclusive, ordered by date then start time', async () => {
    const make = async (date: string, start_time?: string) =>
      (await post({ ...origin, date, ...(start_time ? { start_time } : {}), guest_name: `G ${date} ${start_time ?? ''}` })).body.id as string;
    const late = await make('2031-06-02', '15:00');
    const early = await make('2031-06-02', '08:00');
    const allDay = await make('2031-06-02');
    const first = await make('2031-06-01', '10:00');
    const outside = await make('2031-06-04');

    const res = await api(calendar('?from=2031-06-01&to=2031-06-03'), { headers: t.operator });
    expect(res.status).toBe(200);
    expect(res.body.entries.map((e: { id: string }) => e.id)).toEqual([first, allDay, early, late]);
    const single = await api(calendar('?from=2031-06-04&to=2031-06-04'), { headers: t.operator });
    expect(single.body.entries.map((e: { id: string }) => e.id)).toEqual([outside]);
    const open = await api(calendar('?from=2031-06-03'), { headers: t.operator });
    expect(open.body.entries.map((e: { id: string }) => e.id)).toEqual([outside]);
  });

  it('answers bad range dates with 422', async () => {
    for (const [query, path] of [['?from=2031-02-30', 'from'], ['?to=June', 'to'], ['?from=2031-06-05&to=2031-06-01', 'to'], ['?form=2031-06-01', 'form']]) {
      const res = await api(calendar(query), { headers: t.operator });
      expect(res.status, query).toBe(422);
      expect(res.body.details.map((d: { path: string }) => d.path), query).toContain(path);
    }
  });

  it('creates once per Idempotency-Key; the repeat returns the first answer and changes nothing', async () => {
    const body = { ...origin, guest_name: 'Idempotent Guest' };
    const first = await post(body, { 'idempotency-key': 'cal-key-1' });
    const [entries, audits] = [await count('calendar_entries'), await count('audit_log')];
    const second = await post(body, { 'idempotency-key': 'cal-key-1' });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await count('calendar_entries')).toBe(entries);
    expect(await count('audit_log')).toBe(audits);
  });

  it('makes one entry from 20 concurrent posts with one key', async () => {
    const body = { ...origin, guest_name: 'Racing Guest' };
    const before = await count('calendar_entries');
    const results = await Promise.all(Array.from({ length: 20 }, () => post(body, { 'idempotency-key': 'cal-race' })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(await count('calendar_entries')).toBe(before + 1);
  });

  it('refuses a reused key with a different body (422) and writes nothing', async () => {
    await post({ ...origin, guest_name: 'Key Owner' }, { 'idempotency-key': 'cal-key-2' });
    const before = await count('calendar_entries');
    const res = await post({ ...origin, guest_name: 'Someone Else' }, { 'idempotency-key': 'cal-key-2' });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('idempotency_key_reused');
    expect(await count('calendar_entries')).toBe(before);
  });

  it('patches duration: crew cost recomputed, version 2, audited', async () => {
    const { body: entry } = await post(origin);
    const res = await api(calendar(`/${entry.id}`), { method: 'PATCH', headers: t.operator, body: { duration_hours: 4 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: entry.id, duration_hours: 4, crew_cost: 400, version: 2, location: origin.location });
    expect(res.body.updated_at >= entry.updated_at).toBe(true);
    const audits = await auditOf(entry.id);
    expect(audits.map((a) => [a.action, a.actor])).toEqual([['create', 'operator'], ['update', 'operator']]);
    expect(JSON.parse(audits[1]!.data!)).toMatchObject({ version: 2, changes: { duration_hours: { from: 3, to: 4 }, crew_cost_cents: { from: 30_000, to: 40_000 } } });
  });

  it('clears an optional field with null and treats a patch that changes nothing as no change', async () => {
    const { body: entry } = await post({ ...origin, boat: 'JADA', notes: 'n' });
    const cleared = await api(calendar(`/${entry.id}`), { method: 'PATCH', headers: t.operator, body: { boat: null } });
    expect(cleared.body).toMatchObject({ boat: null, notes: 'n', version: 2 });
    const same = await api(calendar(`/${entry.id}`), { method: 'PATCH', headers: t.operator, body: { location: origin.location } });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(2);
    expect(await auditOf(entry.id)).toHaveLength(2);
  });

  it('replays a PATCH with the same key and refuses the key with another patch', async () => {
    const { body: entry } = await post(origin);
    const patch = (body: unknown) => api(calendar(`/${entry.id}`), { method: 'PATCH', headers: { ...t.operator, 'idempotency-key': 'p-1' }, body });
    const first = await patch({ duration_hours: 5 });
    const again = await patch({ duration_hours: 5 });
    expect(again.body).toEqual(first.body);
    expect(again.body.version).toBe(2);
    expect((await patch({ duration_hours: 6 })).status).toBe(422);
    expect((await api(calendar(`/${entry.id}`), { headers: t.operator })).body.version).toBe(2);
  });

  it('loses no change when PATCHes race', async () => {
    const { body: entry } = await post(origin);
    // Every value differs from the others and from the fixture's 3, so each PATCH is a real change.
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api(calendar(`/${entry.id}`), { method: 'PATCH', headers: t.operator, body: { duration_hours: 10 + i } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(results.map((r) => r.body.version as number).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const last = results.find((r) => r.body.version === 11)!.body;
    expect(await api(calendar(`/${entry.id}`), { headers: t.operator }).then((r) => r.body)).toEqual(last);
    expect(last.crew_cost).toBe(100 * last.duration_hours);
    expect((await auditOf(entry.id)).filter((x) => x.action === 'update')).toHaveLength(10);
  });

  it('cancels with DELETE, once, and then refuses patches with 409', async () => {
    const { body: entry } = await post(origin);
    const res = await api(calendar(`/${entry.id}`), { method: 'DELETE', headers: t.operator });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: entry.id, status: 'cancelled', version: 2 });
    const again = await api(calendar(`/${entry.id}`), { method: 'DELETE', headers: t.operator });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect((await auditOf(entry.id)).map((a) => a.action)).toEqual(['create', 'cancel']);

    const patch = await api(calendar(`/${entry.id}`), { method: 'PATCH', headers: t.operator, body: { duration_hours: 2 } });
    expect(patch.status).toBe(409);
    expect(patch.body.message).toMatch(/cancelled/);
    expect((await api(calendar(`/${entry.id}`), { headers: t.operator })).body.version).toBe(2);
  });

  it('answers an unknown id with 404 on GET, PATCH and DELETE', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await api(calendar('/cal_nope'), { method, headers: t.operator, body: method === 'PATCH' ? { duration_hours: 2 } : undefined });
      expect(res.status, method).toBe(404);
      expect(res.body.error).toBe('not_found');
    }
  });

  it('serves the orchestrator in-process with the same rules', async () => {
    const service = new CalendarService(t.dockhand.ctx.db);
    const a = await service.create({ ...origin, booking_ref: 'bk_x' }, { idempotencyKey: 'svc-1', actor: 'orchestrator' });
    const b = await service.create({ ...origin, booking_ref: 'bk_x' }, { idempotencyKey: 'svc-1', actor: 'orchestrator' });
    expect([a.created, b.created]).toEqual([true, false]);
    expect(b.entry.id).toBe(a.entry.id);
    const updated = await service.update(a.entry.id, { boat: undefined, start_time: '10:00' }, { actor: 'orchestrator' });
    expect(updated).toMatchObject({ start_time: '10:00', version: 2 });
    await expect(service.update(a.entry.id, { date: '2024-02-30' }, { actor: 'orchestrator' })).rejects.toMatchObject({ statusCode: 422 });
    expect((await auditOf(a.entry.id)).map((x) => x.actor)).toEqual(['orchestrator', 'orchestrator']);
  });
});

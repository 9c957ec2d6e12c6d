import { audit } from '../db/audit.js';
import { isUniqueViolation, type Db, type Queryable } from '../db/database.js';
import { nowIso } from '../db/ids.js';
import type { CrewMemberTable } from '../db/schema.js';
import { AppError, notFound, parseInput } from '../http/errors.js';
import {
  crewIdSchema,
  crewImportSchema,
  crewMemberPatchSchema,
  crewMemberSchema,
  type CrewMember,
  type CrewMemberInput,
  type CrewMemberPatch,
} from './types.js';

const ENTITY = 'crew_member';

export const toMember = (row: Pick<CrewMemberTable, 'id' | 'name' | 'email' | 'roles'>): CrewMember => ({
  id: row.id,
  name: row.name,
  email: row.email,
  roles: JSON.parse(row.roles) as string[],
});

export async function listCrew(q: Queryable): Promise<CrewMember[]> {
  const rows = await q.selectFrom('crew_members').select(['id', 'name', 'email', 'roles']).orderBy('id').execute();
  return rows.map(toMember);
}

/** The roster entries for these ids, keyed by id; missing ids are simply absent. */
export async function crewByIds(q: Queryable, ids: string[]): Promise<Map<string, CrewMember>> {
  if (ids.length === 0) return new Map();
  const rows = await q.selectFrom('crew_members').select(['id', 'name', 'email', 'roles']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, toMember(r)]));
}

async function findCrew(q: Queryable, id: string): Promise<CrewMember | undefined> {
  const row = await q.selectFrom('crew_members').select(['id', 'name', 'email', 'roles']).where('id', '=', id).executeTakeFirst();
  return row ? toMember(row) : undefined;
}

export async function getCrew(q: Queryable, id: string): Promise<CrewMember> {
  const member = crewIdSchema.safeParse(id).success ? await findCrew(q, id) : undefined;
  if (!member) throw notFound('crew member', id);
  return member;
}

const exists = (id: string) =>
  new AppError(409, 'crew_exists', `A crew member with id "${id}" already exists. Change them with PATCH /crew/${id}, or pick another id.`);

export async function addCrew(db: Db, input: CrewMemberInput, actor: string): Promise<CrewMember> {
  const member = parseInput(crewMemberSchema, input, 'crew member');
  try {
    await db.transaction().execute(async (trx) => {
      if (await findCrew(trx, member.id)) throw exists(member.id);
      const now = nowIso();
      await trx
        .insertInto('crew_members')
        .values({ ...member, roles: JSON.stringify(member.roles), created_at: now, updated_at: now })
        .execute();
      await audit(trx, { actor, entity: ENTITY, entityId: member.id, action: 'add', data: member });
    });
  } catch (error) {
    // A racing twin got there between our check and insert.
    if (isUniqueViolation(error)) throw exists(member.id);
    throw error;
  }
  return member;
}

export async function updateCrew(db: Db, id: string, patch: CrewMemberPatch, actor: string): Promise<CrewMember> {
  const changes = parseInput(crewMemberPatchSchema, patch, 'crew change');
  return db.transaction().execute(async (trx) => {
    const before = await getCrew(trx, id);
    const after: CrewMember = {
      ...before,
      ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
    };
    await trx
      .updateTable('crew_members')
      .set({ name: after.name, email: after.email, roles: JSON.stringify(after.roles), updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
    await audit(trx, { actor, entity: ENTITY, entityId: id, action: 'change', data: { before, after } });
    return after;
  });
}

/** Takes someone off the roster; events they were on keep their row (and show their id). */
export async function removeCrew(db: Db, id: string, actor: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await getCrew(trx, id);
    await trx.deleteFrom('crew_members').where('id', '=', id).execute();
    await audit(trx, { actor, entity: ENTITY, entityId: id, action: 'remove', data: before });
  });
}

/** Adds new people and updates known ones, all or nothing. */
export async function importCrew(db: Db, list: unknown, actor: string): Promise<{ added: number; updated: number }> {
  const members = parseInput(crewImportSchema, list, 'crew list');
  return db.transaction().execute(async (trx) => {
    const known = await crewByIds(trx, members.map((m) => m.id));
    let added = 0;
    let updated = 0;
    const now = nowIso();
    for (const member of members) {
      const before = known.get(member.id);
      const roles = JSON.stringify(member.roles);
      if (!before) {
        await trx.insertInto('crew_members').values({ ...member, roles, created_at: now, updated_at: now }).execute();
        await audit(trx, { actor, entity: ENTITY, entityId: member.id, action: 'add', data: member });
        added++;
      } else if (JSON.stringify(before) !== JSON.stringify(member)) {
        await trx
          .updateTable('crew_members')
          .set({ name: member.name, email: member.email, roles, updated_at: now })
          .where('id', '=', member.id)
          .execute();
        await audit(trx, { actor, entity: ENTITY, entityId: member.id, action: 'change', data: { before, after: member } });
        updated++;
      }
    }
    return { added, updated };
  });
}

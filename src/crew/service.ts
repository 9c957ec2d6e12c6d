import type { AppContext } from '../context.js';
import type { StoredResponse } from '../http/idempotency.js';
import { updateEvent } from './event-changes.js';
import { eventView } from './event-store.js';
import { cancelEvent, createEvent } from './events.js';
import { resendLink } from './resend.js';
import * as roster from './roster.js';
import type { CreatedEvent, CrewEventInput, CrewEventPatch, CrewEventView, CrewMember, CrewMemberInput, CrewMemberPatch, ServiceOptions } from './types.js';

/**
 * The crew service as the orchestrator calls it in-process (no CREW_URL) and as the HTTP routes and CLI
 * use it. Every method validates its input, so in-process callers get the same 422s as HTTP ones.
 */
export class CrewService {
  constructor(private readonly ctx: AppContext) {}

  listCrew(): Promise<CrewMember[]> {
    return roster.listCrew(this.ctx.db);
  }

  getCrew(id: string): Promise<CrewMember> {
    return roster.getCrew(this.ctx.db, id);
  }

  addCrew(input: CrewMemberInput, actor: string): Promise<CrewMember> {
    return roster.addCrew(this.ctx.db, input, actor);
  }

  updateCrew(id: string, patch: CrewMemberPatch, actor: string): Promise<CrewMember> {
    return roster.updateCrew(this.ctx.db, id, patch, actor);
  }

  removeCrew(id: string, actor: string): Promise<void> {
    return roster.removeCrew(this.ctx.db, id, actor);
  }

  importCrew(list: unknown, actor: string): Promise<{ added: number; updated: number }> {
    return roster.importCrew(this.ctx.db, list, actor);
  }

  createEvent(input: CrewEventInput, opts: ServiceOptions): Promise<StoredResponse<CreatedEvent>> {
    return createEvent(this.ctx, input, opts);
  }

  getEvent(id: string): Promise<CrewEventView> {
    return eventView(this.ctx.db, id);
  }

  updateEvent(id: string, patch: CrewEventPatch, opts: ServiceOptions): Promise<CrewEventView> {
    return updateEvent(this.ctx, id, patch, opts);
  }

  cancelEvent(id: string, opts: ServiceOptions): Promise<CrewEventView> {
    return cancelEvent(this.ctx, id, opts);
  }

  /** Emails one person a new link to the event; the old link stops working. */
  resendLink(eventId: string, crewId: string, actor: string): Promise<void> {
    return resendLink(this.ctx, eventId, crewId, actor);
  }
}

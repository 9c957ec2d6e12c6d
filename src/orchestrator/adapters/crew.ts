import { eventView } from '../../crew/event-store.js';
import { listCrew } from '../../crew/roster.js';
import type { CrewService } from '../../crew/service.js';
import { callRemote, type RemoteOptions } from './http.js';
import type { CrewEventState, CrewMemberRef, CrewPort } from './ports.js';

const actor = 'orchestrator';

export function inProcessCrew(service: CrewService): CrewPort {
  return {
    local: true,
    listCrew: (tx) => (tx ? listCrew(tx) : service.listCrew()),
    async createEvent(body, idempotencyKey, tx) {
      const { body: created } = await service.createEvent(body, { idempotencyKey, actor, tx });
      return { event_id: created.event_id };
    },
    updateEvent: (id, patch, idempotencyKey, tx) => service.updateEvent(id, patch, { idempotencyKey, actor, tx }),
    cancelEvent: (id, idempotencyKey, tx) => service.cancelEvent(id, { idempotencyKey, actor, tx }),
    getEvent: (id, tx) => (tx ? eventView(tx, id) : service.getEvent(id)),
  };
}

/** The crew service elsewhere (CREW_URL), reached with the service key. */
export function httpCrew(options: RemoteOptions): CrewPort {
  const event = (id?: string) => (id ? `/events/${encodeURIComponent(id)}` : '/events');
  return {
    local: false,
    listCrew: async () => (await callRemote<{ crew: CrewMemberRef[] }>(options, 'GET', '/crew')).crew,
    createEvent: (body, key) => callRemote(options, 'POST', event(), body, key),
    updateEvent: (id, patch, key) => callRemote(options, 'PATCH', event(id), patch, key),
    cancelEvent: (id, key) => callRemote(options, 'DELETE', event(id), undefined, key),
    getEvent: (id) => callRemote<CrewEventState>(options, 'GET', event(id)),
  };
}

import type { CrewService } from '../../crew/service.js';
import { callRemote, type RemoteOptions } from './http.js';
import type { CrewEventState, CrewMemberRef, CrewPort } from './ports.js';

const actor = 'orchestrator';

export function inProcessCrew(service: CrewService): CrewPort {
  return {
    listCrew: () => service.listCrew(),
    async createEvent(body, idempotencyKey) {
      const { body: created } = await service.createEvent(body, { idempotencyKey, actor });
      return { event_id: created.event_id };
    },
    updateEvent: (id, patch, idempotencyKey) => service.updateEvent(id, patch, { idempotencyKey, actor }),
    cancelEvent: (id, idempotencyKey) => service.cancelEvent(id, { idempotencyKey, actor }),
    getEvent: (id) => service.getEvent(id),
  };
}

/** The crew service elsewhere (CREW_URL), reached with the service key. */
export function httpCrew(options: RemoteOptions): CrewPort {
  const event = (id?: string) => (id ? `/events/${encodeURIComponent(id)}` : '/events');
  return {
    listCrew: async () => (await callRemote<{ crew: CrewMemberRef[] }>(options, 'GET', '/crew')).crew,
    createEvent: (body, key) => callRemote(options, 'POST', event(), body, key),
    updateEvent: (id, patch, key) => callRemote(options, 'PATCH', event(id), patch, key),
    cancelEvent: (id, key) => callRemote(options, 'DELETE', event(id), undefined, key),
    getEvent: (id) => callRemote<CrewEventState>(options, 'GET', event(id)),
  };
}

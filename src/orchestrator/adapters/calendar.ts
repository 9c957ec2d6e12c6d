import type { CalendarService } from '../../calendar/service.js';
import { callRemote, type RemoteOptions } from './http.js';
import type { CalendarEntryBody, CalendarPort } from './ports.js';

const actor = 'orchestrator';

export function inProcessCalendar(service: CalendarService): CalendarPort {
  return {
    async create(body, idempotencyKey) {
      const { entry } = await service.create(body, { idempotencyKey, actor });
      return { id: entry.id };
    },
    async update(id, patch, idempotencyKey) {
      return service.update(id, patch, { idempotencyKey, actor });
    },
    async cancel(id, idempotencyKey) {
      return service.cancel(id, { idempotencyKey, actor });
    },
  };
}

/** The calendar service elsewhere (CALENDAR_URL), reached with the dashboard token. */
export function httpCalendar(options: RemoteOptions): CalendarPort {
  const path = (id?: string) => (id ? `/calendar/${encodeURIComponent(id)}` : '/calendar');
  return {
    create: (body: CalendarEntryBody, key) => callRemote(options, 'POST', path(), body, key),
    update: (id, patch, key) => callRemote(options, 'PATCH', path(id), patch, key),
    cancel: (id, key) => callRemote(options, 'DELETE', path(id), undefined, key),
  };
}

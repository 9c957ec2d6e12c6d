import type { CalendarService } from '../../calendar/service.js';
import { callRemote, type RemoteOptions } from './http.js';
import type { CalendarEntryBody, CalendarPort } from './ports.js';

const actor = 'orchestrator';

export function inProcessCalendar(service: CalendarService): CalendarPort {
  return {
    local: true,
    async create(body, idempotencyKey, tx) {
      const { entry } = await service.create(body, { idempotencyKey, actor, tx });
      return { id: entry.id };
    },
    update: (id, patch, idempotencyKey, tx) => service.update(id, patch, { idempotencyKey, actor, tx }),
    cancel: (id, idempotencyKey, tx) => service.cancel(id, { idempotencyKey, actor, tx }),
  };
}

/** The calendar service elsewhere (CALENDAR_URL), reached with the dashboard token. */
export function httpCalendar(options: RemoteOptions): CalendarPort {
  const path = (id?: string) => (id ? `/calendar/${encodeURIComponent(id)}` : '/calendar');
  return {
    local: false,
    create: (body: CalendarEntryBody, key) => callRemote(options, 'POST', path(), body, key),
    update: (id, patch, key) => callRemote(options, 'PATCH', path(id), patch, key),
    cancel: (id, key) => callRemote(options, 'DELETE', path(id), undefined, key),
  };
}

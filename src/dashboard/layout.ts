import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type RawHtml } from '../lib/html.js';
import { assets } from './assets.js';

export type Section = 'calendar' | 'bookings' | 'new' | 'crew' | 'mail' | 'none';

const nav: [Section, string, string][] = [
  ['calendar', '/dashboard/calendar', 'Calendar'],
  ['bookings', '/dashboard/bookings', 'Bookings'],
  ['new', '/dashboard/bookings/new', 'New booking'],
  ['crew', '/dashboard/crew', 'Crew'],
  ['mail', '/dashboard/mail', 'Mail'],
];

export interface PageOptions {
  title: string;
  section: Section;
  body: RawHtml;
  status?: number;
  /** A one-line message shown above the page, e.g. after a redirect. */
  notice?: { text: string; error?: boolean } | undefined;
}

// No inline script or style anywhere, so the policy can forbid both; nothing loads from another host.
const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex',
};

export function sendHtml(reply: FastifyReply, status: number, body: RawHtml): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').headers(securityHeaders).send(body.value);
}

function shell(title: string, csrf: string | undefined, header: RawHtml, main: RawHtml): RawHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">${csrf ? html`<meta name="csrf-token" content="${csrf}">` : ''}
<title>${title} · Dockhand</title><link rel="stylesheet" href="${assets.css.path}"><script src="${assets.js.path}" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>${header}
<main id="main" tabindex="-1">${main}</main></body></html>`;
}

/** A signed-in page: header with navigation and sign-out, then the page's own content. */
export function page(request: FastifyRequest, reply: FastifyReply, options: PageOptions): FastifyReply {
  const csrf = request.dashboard?.csrf ?? '';
  const links = nav.map(
    ([key, href, label]) => html`<li><a href="${href}"${key === options.section ? html` aria-current="page"` : ''}>${label}</a></li>`,
  );
  const header = html`<header class="top"><div><a class="brand" href="/dashboard/">Dockhand</a>
<nav aria-label="Main"><ul>${links}</ul></nav>
<form class="signout" method="post" action="/dashboard/signout">${csrfField(csrf)}<button class="secondary" type="submit">Sign out</button></form></div></header>`;
  const notice = options.notice
    ? html`<div class="notice${options.notice.error ? ' error' : ''}" role="${options.notice.error ? 'alert' : 'status'}">${options.notice.text}</div>`
    : '';
  return sendHtml(reply, options.status ?? 200, shell(options.title, csrf, header, html`${notice}${options.body}`));
}

/** A page for someone not signed in (sign-in itself, refusals). */
export function barePage(reply: FastifyReply, status: number, title: string, body: RawHtml): FastifyReply {
  const header = html`<header class="top"><div><span class="brand">Dockhand</span></div></header>`;
  return sendHtml(reply, status, shell(title, undefined, header, body));
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

/** A button that POSTs, with the form token: every state change goes through one of these. */
export function postButton(request: FastifyRequest, action: string, label: string, opts: { kind?: 'secondary' | 'danger'; confirm?: string; fields?: Record<string, string> } = {}) {
  const hidden = Object.entries(opts.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`<form method="post" action="${action}"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''}>${csrfField(request.dashboard?.csrf ?? '')}${hidden}<button type="submit"${opts.kind ? html` class="${opts.kind}"` : ''}>${label}</button></form>`;
}

declare module 'fastify' {
  interface FastifyRequest {
    dashboard?: { sid: string; csrf: string; session?: import('./session.js').Session };
  }
}

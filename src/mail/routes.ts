import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { html, raw } from '../lib/html.js';
import { listMail } from './outbox.js';
import { requireCredential } from '../http/auth.js';
import { isDirectLocal } from '../http/edge.js';

/** The development outbox: while no SMTP_URL is set, mail is kept here and read in the browser. */
export function mailRoutes(ctx: AppContext): FastifyPluginAsync {
  const operator = requireCredential({ operator: ctx.credentials.dashboardTokenHash, service: ctx.credentials.serviceKeyHash }, 'operator');
  return async (app) => {
    // The outbox holds crew members' working magic links: open only to a browser provably on this
    // machine (loopback socket and Host, no forwarding header of any kind); anyone else, including a
    // DNS-rebound page, a proxy or a TCP forwarder to a public Host, needs the operator credential.
    app.addHook('onRequest', async (request, reply) => {
      if (!isDirectLocal(request)) await operator(request, reply);
    });
    app.get('/dev/mail.json', async () => ({ messages: await listMail(ctx.db) }));

    app.get('/dev/mail', async (_request, reply) => {
      const messages = await listMail(ctx.db);
      const rows = messages.map(
        (m) => html`<details>
  <summary><strong>${m.subject}</strong> → ${m.toName ? `${m.toName} <${m.to}>` : m.to} <small>${m.createdAt} · ${m.status}</small></summary>
  <p><small>Message-ID: ${m.messageId}</small></p>
  <iframe sandbox title="${m.subject}" srcdoc="${m.html}"></iframe>
  <pre>${m.text}</pre>
</details>`,
      );
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-robots-tag', 'noindex');
      return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Dockhand outbox</title>
<style>${raw(`body{font-family:system-ui,sans-serif;max-width:960px;margin:0 auto;padding:16px;color:#1b2733}
details{border:1px solid #d5dbe1;border-radius:6px;margin:8px 0;padding:8px 12px}summary{cursor:pointer}
iframe{width:100%;height:420px;border:1px solid #eee}pre{white-space:pre-wrap;background:#f6f8fa;padding:8px}
@media (prefers-color-scheme: dark){body{background:#10161c;color:#e3e8ee}details{border-color:#33404d}pre{background:#1a232c}}`)}</style></head>
<body><h1>Outbox</h1><p>${messages.length} message(s) kept locally because no <code>SMTP_URL</code> is set.
Set it to send for real.</p>${rows}</body></html>`.value;
    });
  };
}

import type { FastifyInstance } from 'fastify';
import { html } from '../lib/html.js';
import { listMail } from '../mail/outbox.js';
import type { Deps } from './data.js';
import { page } from './layout.js';
import { mailBadge, when } from './view.js';

/** Everything Dockhand sent or is about to send; with no SMTP_URL this is also how the local outbox is read. */
export function registerMail(app: FastifyInstance, deps: Deps): void {
  app.get('/mail', async (request, reply) => {
    const messages = await listMail(deps.ctx.db, { limit: 200 });
    const local = !deps.ctx.config.smtpUrl;
    // A failing mail server must be said plainly, never left to look like slow delivery.
    const failing = messages.filter((m) => m.status === 'failed' || (m.status !== 'sent' && m.status !== 'captured' && m.lastError));
    const body = html`<h1>Mail</h1>
${failing.length ? html`<div class="notice error" role="alert">Delivery is failing: ${failing.length} message${failing.length === 1 ? ' is' : 's are'} not delivered. Last error: ${failing[0]!.lastError ?? 'unknown'}. Check SMTP_URL and the mail server.</div>` : ''}
<p class="muted">${messages.length === 200 ? 'The latest 200 messages' : `${messages.length} message${messages.length === 1 ? '' : 's'}`}, newest first.
${local ? 'No SMTP_URL is set, so mail is kept in the local outbox instead of being sent.' : ''}</p>
<div class="scroll"><table><thead><tr><th scope="col">Queued</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">State</th><th scope="col">Delivered</th></tr></thead><tbody>
${messages.map((m) => html`<tr><td>${when(m.createdAt)}</td><td>${m.toName ? html`${m.toName}<br>` : ''}<span class="muted">${m.to}</span></td>
<td><details><summary>${m.subject}</summary><p class="muted">${m.kind} · ${m.messageId}</p><pre>${m.text}</pre></details></td>
<td>${mailBadge(m.status)}${m.attempts > 1 ? html` <span class="muted">${m.attempts} tries</span>` : ''}${m.lastError ? html`<br>${m.lastError}` : ''}</td><td>${m.status === 'captured' ? 'Not sent: kept locally' : when(m.sentAt)}</td></tr>`)}
</tbody></table></div>`;
    return page(request, reply, { title: 'Mail', section: 'mail', body });
  });
}

import { html, type RawHtml } from '../lib/html.js';

/** The shared frame of every email: plain, readable in any client, no remote images. */
export function emailLayout(title: string, body: RawHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="margin:0;padding:24px;background:#f4f6f8;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1b2733;line-height:1.5">
<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
${body}
<p style="margin-top:32px;font-size:12px;color:#6b7785">Sent by Dockhand for your charter operator.</p>
</div></body></html>`.value;
}

/** A button-like link that still reads as a plain link in text-only clients. */
export const emailButton = (href: string, label: string) =>
  html`<p><a href="${href}" style="display:inline-block;background:#0b5cad;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600">${label}</a></p>`;

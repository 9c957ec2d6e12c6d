import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.js';
import { html } from '../lib/html.js';
import type { Deps } from './data.js';
import { bookingFromForm, plainMessage, type FormValues } from './form.js';
import { csrfField, page } from './layout.js';

/** CSV columns are the form's own field names; crew ids go in one cell, separated by spaces or semicolons. */
export const csvColumns = [
  'source', 'external_id', 'date', 'start_time', 'timezone', 'duration_hours', 'boat', 'location',
  'guest.name', 'guest.email', 'guest.phone', 'guest.party_size', 'revenue.amount', 'revenue.currency',
  'crew_count', 'crew_rate', 'captain_rate', 'crew', 'captain',
];
const MAX_ROWS = 2000;

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endCell();
      rows.push(row);
      row = [];
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    endCell();
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

export interface CsvRow {
  line: number;
  label: string;
  booking?: unknown;
  error?: string;
}

/** Rows become booking bodies here; each is then submitted on its own, so one bad row stops nothing. */
export function rowsFromCsv(text: string): CsvRow[] {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) throw new AppError(422, 'empty_csv', 'The CSV is empty. Its first line must name the columns.');
  const names = header.map((h) => h.trim());
  const unknown = names.filter((n) => !csvColumns.includes(n));
  if (unknown.length) throw new AppError(422, 'unknown_columns', `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}. Use: ${csvColumns.join(', ')}.`);
  if (rows.length > MAX_ROWS) throw new AppError(422, 'too_many_rows', `The CSV has ${rows.length} rows; import at most ${MAX_ROWS} at a time.`);
  return rows.map((cells, i) => {
    const values: FormValues = Object.fromEntries(names.map((n, j) => [n, cells[j] ?? '']));
    const label = `${values.source ?? ''} ${values.external_id ?? ''}`.trim();
    if (cells.length !== names.length) return { line: i + 2, label, error: `Has ${cells.length} cells but the header names ${names.length} columns.` };
    return { line: i + 2, label, booking: bookingFromForm(values) };
  });
}

async function submitRow(deps: Deps, booking: unknown): Promise<{ outcome?: string; href?: string; error?: string }> {
  try {
    const { id, created } = await deps.bookings.submit(booking, undefined, 'operator:dashboard-import');
    return { outcome: created ? 'Created' : 'Already there, left as it was', href: `/dashboard/bookings/${id}` };
  } catch (error) {
    if (!(error instanceof AppError) || error.statusCode >= 500) throw error;
    const fields = error.details.map((d) => `${d.path} ${plainMessage(d.message)}`).join('; ');
    return { error: fields ? `Refused: ${fields}.` : error.message };
  }
}

export function importSection(request: FastifyRequest) {
  return html`<h2 id="import">Import a CSV of bookings</h2>
<form class="card" id="csv-import" method="post" action="/dashboard/bookings/import" data-parse="/dashboard/bookings/import/parse" data-row="/dashboard/bookings/import/row">
${csrfField(request.dashboard!.csrf)}
<p class="hint" id="csv-hint">First line: column names from ${csvColumns.join(', ')}. Each row is submitted on its own.</p>
<div hidden><label for="csv-file">CSV file</label><input id="csv-file" type="file" accept=".csv,text/csv"></div>
<label for="csv">CSV text</label><textarea id="csv" name="csv" aria-describedby="csv-hint"></textarea>
<p><button type="submit">Import</button></p>
<progress id="csv-progress" max="1" value="0" hidden aria-label="Import progress"></progress><p id="csv-status" role="status"></p>
<div class="scroll"><table><caption class="muted">Results, row by row</caption><thead><tr><th scope="col">Line</th><th scope="col">Booking</th><th scope="col">Result</th></tr></thead><tbody id="csv-results"></tbody></table></div>
</form>`;
}

export function registerImport(app: FastifyInstance, deps: Deps): void {
  // With scripts, the page parses once and then sends the rows one by one to move its progress bar.
  app.post('/bookings/import/parse', async (request: FastifyRequest<{ Body: { csv?: unknown } }>) => {
    const csv = typeof request.body?.csv === 'string' ? request.body.csv : '';
    return { rows: rowsFromCsv(csv) };
  });

  app.post('/bookings/import/row', (request: FastifyRequest<{ Body: { booking?: unknown } }>) => submitRow(deps, request.body?.booking));

  // Without scripts the whole file goes at once and the results come back as a page.
  app.post('/bookings/import', async (request: FastifyRequest<{ Body: FormValues }>, reply: FastifyReply) => {
    let rows: CsvRow[];
    try {
      rows = rowsFromCsv(typeof request.body.csv === 'string' ? request.body.csv : '');
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return page(request, reply, { title: 'Import', section: 'new', status: 422, notice: { text: error.message, error: true }, body: html`<h1>Import</h1><p><a href="/dashboard/bookings/new#import">Back to the import form</a></p>` });
    }
    const results = [];
    for (const row of rows) results.push({ row, result: row.error ? { error: row.error } : await submitRow(deps, row.booking) });
    const ok = results.filter((r) => !r.result.error).length;
    const body = html`<h1>Import results</h1><p role="status">${ok} of ${rows.length} rows accepted.</p>
<div class="scroll"><table><thead><tr><th scope="col">Line</th><th scope="col">Booking</th><th scope="col">Result</th></tr></thead><tbody>
${results.map(({ row, result }) => html`<tr><td>${row.line}</td><td>${row.label}</td><td>${result.href ? html`<a href="${result.href}">${result.outcome}</a>` : result.error}</td></tr>`)}
</tbody></table></div><p><a href="/dashboard/bookings">See all bookings</a></p>`;
    return page(request, reply, { title: 'Import results', section: 'new', body });
  });
}

/** The closing table: each figure the issue asks for beside what it is compared with. Figures, never assertions. */
import type { Results } from './lib/results.js';
import { fmt } from './lib/stats.js';

interface Row {
  figure: string;
  measured: string;
  against: string;
  ratio: string;
  target: string;
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? 'n/a' : fmt(a / b, 2));

export function summaryRows(r: Results): Row[] {
  const rows: Row[] = [];
  const floors = [r.sqliteFloorBookings, r.smtpFloorMessages === undefined ? undefined : r.smtpFloorMessages / 4];
  const lower = floors.every((f) => f !== undefined) ? Math.min(...(floors as number[])) : undefined;
  rows.push({
    figure: 'SQLite embedded: synced bookings/s',
    measured: `${fmt(r.sqliteSynced)}${r.sqliteMailKeptUp === undefined ? '' : r.sqliteMailKeptUp ? ' (mail kept up)' : ' (mail lagged)'}`,
    against: `70% of min(SQLite floor ${fmt(r.sqliteFloorBookings, 0)}, SMTP floor ${fmt(floors[1], 0)}) = ${fmt(lower === undefined ? undefined : 0.7 * lower)}`,
    ratio: ratio(r.sqliteSynced, lower === undefined ? undefined : 0.7 * lower),
    target: '>= 1',
  });
  const pgFigures = [r.postgres1Synced, r.postgres3Synced].filter((x): x is number => x !== undefined);
  const pgBest = pgFigures.length > 0 ? Math.max(...pgFigures) : undefined;
  const pgShape = pgBest === undefined ? '' : pgBest === r.postgres1Synced ? ' (1 worker)' : ' (3 workers)';
  rows.push({
    figure: 'PostgreSQL: synced bookings/s, best of 1 and 3 workers',
    measured: `${fmt(pgBest)}${pgShape}`,
    against: r.dbosWorkflows === undefined ? `3x DBOS: ${r.dbosNote ?? 'not run'}` : `3x DBOS ${fmt(r.dbosWorkflows)} wf/s = ${fmt(3 * r.dbosWorkflows)}`,
    ratio: ratio(pgBest, r.dbosWorkflows === undefined ? undefined : 3 * r.dbosWorkflows),
    target: '>= 1',
  });
  rows.push({
    figure: 'PostgreSQL 3 workers vs 1',
    measured: fmt(r.postgres3Synced),
    against: `1 worker ${fmt(r.postgres1Synced)}`,
    ratio: ratio(r.postgres3Synced, r.postgres1Synced),
    target: '>= 1',
  });
  rows.push({
    figure: 'p99 POST -> synced + mail, 50/s offered, SQLite',
    measured: `${fmt(r.p99At50Sqlite, 0)} ms`,
    against: '150 ms',
    ratio: ratio(r.p99At50Sqlite, 150),
    target: '< 1',
  });
  rows.push({
    figure: 'p99 POST -> synced + mail, 50/s offered, PostgreSQL',
    measured: `${fmt(r.p99At50Postgres, 0)} ms`,
    against: '150 ms',
    ratio: ratio(r.p99At50Postgres, 150),
    target: '< 1',
  });
  const stored = r.seededCount === undefined ? '10k' : r.seededCount >= 1000 ? `${fmt(r.seededCount / 1000, 0)}k` : String(r.seededCount);
  rows.push({
    figure: `${stored} stored vs empty: intake bookings/s`,
    measured: fmt(r.seededIntake, 0),
    against: `empty ${fmt(r.emptyIntake, 0)}`,
    ratio: ratio(r.seededIntake, r.emptyIntake),
    target: '>= 0.67',
  });
  rows.push({
    figure: `${stored} stored vs empty: synced + mail bookings/s`,
    measured: fmt(r.seededSync),
    against: `empty ${fmt(r.emptySync)}`,
    ratio: ratio(r.seededSync, r.emptySync),
    target: '>= 0.67',
  });
  rows.push({
    figure: 'guest page: built-in vs nginx req/s',
    measured: `${fmt(r.pageBuiltinRps, 0)} (p99 ${fmt(r.pageBuiltinP99, 2)} ms)`,
    against: `nginx ${fmt(r.pageNginxRps, 0)} (p99 ${fmt(r.pageNginxP99, 2)} ms)`,
    ratio: ratio(r.pageBuiltinRps, r.pageNginxRps),
    target: '>= 0.8, p99 < 10 ms',
  });
  return rows;
}

export function printSummary(r: Results): void {
  // Rows of scenarios that did not run say nothing; leave them out.
  const rows = summaryRows(r).filter((row) => !row.measured.startsWith('n/a'));
  const cols: (keyof Row)[] = ['figure', 'measured', 'against', 'ratio', 'target'];
  const header: Row = { figure: 'figure', measured: 'measured', against: 'compared with', ratio: 'ratio', target: 'target' };
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(header[c].length, ...rows.map((row) => row[c].length))])) as Record<keyof Row, number>;
  const fmtRow = (row: Row) => `| ${cols.map((c) => row[c].padEnd(width[c])).join(' | ')} |`;
  console.log('Summary (ratios; the targets are the issue\'s, nothing here is asserted)');
  console.log(fmtRow(header));
  console.log(`|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`);
  for (const row of rows) console.log(fmtRow(row));
}

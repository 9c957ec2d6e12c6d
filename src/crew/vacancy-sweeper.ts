import type { AppContext } from '../context.js';
import { Poller } from '../lib/poller.js';
import { markUnfilled } from './vacancies.js';
import { OFFER_WINDOW_HOURS } from './vacancy-store.js';

export interface SweeperOptions {
  /** How often to look for lapsed offers; a minute late on a 12-hour window is fine. */
  pollMs?: number;
  batchSize?: number;
  /** The clock; tests move it forward instead of waiting 12 hours. */
  now?: () => Date;
}

/**
 * Tells the owner about places nobody took within the offer window. The due time lives in the row
 * (crew_vacancies.expires_at), so a restart loses nothing: the first sweep after it catches up. Each
 * vacancy is closed by a conditional update, so several processes sweeping at once email the owner once.
 */
export class VacancySweeper {
  private readonly poller: Poller;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(
    private readonly ctx: AppContext,
    options: SweeperOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 60_000;
    this.batchSize = options.batchSize ?? 50;
    this.now = options.now ?? (() => new Date());
    // A full batch means there may be more due: sweep again at once.
    this.poller = new Poller(async () => (await this.sweepOnce()) === this.batchSize, this.pollMs, (error) =>
      this.ctx.logger.error({ err: error }, 'crew vacancy sweeper could not read the vacancies'),
    );
  }

  start(): void {
    this.poller.start();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }

  /** Closes every vacancy due by now; returns how many this call closed. */
  async sweepOnce(): Promise<number> {
    const due = await this.ctx.db
      .selectFrom('crew_vacancies')
      .selectAll()
      .where('status', '=', 'open')
      .where('expires_at', '<=', this.now().toISOString())
      .orderBy('expires_at')
      .limit(this.batchSize)
      .execute();
    let closed = 0;
    for (const vacancy of due) {
      const reason = `nobody accepted within ${OFFER_WINDOW_HOURS} hours`;
      if (await this.ctx.db.transaction().execute((trx) => markUnfilled(this.ctx, trx, vacancy, reason, 'system'))) closed++;
    }
    if (closed > 0) this.ctx.mailKick();
    return closed;
  }
}

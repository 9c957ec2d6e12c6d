/**
 * Runs a round of background work: at start, whenever kick() says new work exists, and every pollMs
 * otherwise. Rounds never overlap; a round that reports more to do runs again at once, so a backlog
 * drains without waiting for the next poll. The outbox dispatcher, the photo processor and the crew
 * vacancy sweeper all run on one of these.
 */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  /**
   * @param round does one batch of work; returns true when it should run again straight away
   * @param onError a round's failure is reported here and the poller carries on
   */
  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.again ? 0 : this.pollMs);
        this.again = false;
      });
    }, ms);
  }

  private async loop(): Promise<void> {
    try {
      while (!this.stopped && (await this.round())) {
        /* more is due: keep going */
      }
    } catch (error) {
      this.onError(error);
    }
  }
}

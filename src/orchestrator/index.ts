import type { AppContext } from '../context.js';

// Placeholder: replaced by the saga engine in the next commit.
export interface Orchestrator {
  start(): void;
  stop(): Promise<void>;
}
export function createOrchestrator(_ctx: AppContext): Orchestrator {
  return { start() {}, stop: async () => {} };
}

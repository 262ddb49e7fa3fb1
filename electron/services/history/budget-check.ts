/**
 * The one rule for budgets: a build is over its flash or RAM budget when it uses more bytes than
 * the budget allows; a running build is over its heap budget when the free heap fell below the
 * minimum. Used by the history rows, the build's result and log, and heap telemetry.
 */
import type { BudgetBreach, BudgetKind, Budgets } from '../../contract';
import { BUDGET_WORDS } from '../../contract-values';

export interface BudgetedUse {
  flash: number | null;
  ram: number | null;
  /** Lowest free heap seen while the build ran. */
  minFreeHeap: number | null;
}

export function budgetBreaches(budgets: Budgets, use: BudgetedUse): BudgetBreach[] {
  const breaches: Omit<BudgetBreach, 'message'>[] = [];
  const above = (kind: BudgetKind, actual: number | null) => {
    const limit = budgets[kind];
    if (limit !== null && actual !== null && actual > limit) breaches.push({ kind, limitBytes: limit, actualBytes: actual, overBytes: actual - limit });
  };
  above('flash', use.flash);
  above('ram', use.ram);
  if (budgets.heap !== null && use.minFreeHeap !== null && use.minFreeHeap < budgets.heap) {
    breaches.push({ kind: 'heap', limitBytes: budgets.heap, actualBytes: use.minFreeHeap, overBytes: budgets.heap - use.minFreeHeap });
  }
  return breaches.map((breach) => ({ ...breach, message: describeBreach(breach) }));
}

/** One sentence per breach, for the build log and the window ("Over the flash budget: 98,304 B used of 90,000 B (+8,304 B)."). */
function describeBreach(breach: Omit<BudgetBreach, 'message'>): string {
  const n = (bytes: number) => `${bytes.toLocaleString('en-US')} B`;
  if (breach.kind === 'heap') {
    return `Below the ${BUDGET_WORDS.heap.name} budget: ${n(breach.actualBytes)} free at the lowest, budget ${n(breach.limitBytes)} (${n(breach.overBytes)} short).`;
  }
  return `Over the ${BUDGET_WORDS[breach.kind].name} budget: ${n(breach.actualBytes)} used of ${n(breach.limitBytes)} (+${n(breach.overBytes)}).`;
}

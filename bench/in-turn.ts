/**
 * Taking the samples of several cases in turn (A B C A B C …): on a shared, noisy machine a busy
 * spell then falls on every case of a comparison alike, instead of on one side of its ratio.
 */

/**
 * Step each generator once per round, in order, until every one has returned; their return values,
 * in the generators' order. A generator that finishes early drops out of the rounds.
 */
export async function inTurn<T>(steps: readonly AsyncGenerator<unknown, T>[]): Promise<T[]> {
  const out: { value: T }[] = [];
  const finished: boolean[] = steps.map(() => false);
  for (let left = steps.length; left > 0; ) {
    for (let i = 0; i < steps.length; i++) {
      if (finished[i]) continue;
      const step = await steps[i]!.next();
      if (step.done === true) {
        out[i] = { value: step.value };
        finished[i] = true;
        left--;
      }
    }
  }
  return out.map((o) => o.value);
}

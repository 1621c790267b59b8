/**
 * Ends an async iterable cleanly when a signal fires, even while a read is pending (a quiet stdin
 * would otherwise hold the process after Ctrl-C). Ending, not throwing, lets every stage downstream
 * run its `finish` and flush what it owes: an interrupted run still writes its final records.
 *
 * Each read waits on its own small promise with an abort listener added and removed around it.
 * (`Promise.race` against one long-lived abort promise would leave a reaction on it per read, each
 * holding that read's chunk: memory that grows with the input.)
 */

const ABORTED = Symbol('aborted');

export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal | undefined,
): AsyncGenerator<T> {
  if (signal === undefined) {
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      if (signal.aborted) return;
      const next = await new Promise<IteratorResult<T> | typeof ABORTED>((resolve, reject) => {
        const onAbort = (): void => resolve(ABORTED);
        signal.addEventListener('abort', onAbort, { once: true });
        it.next().then(
          (r) => {
            signal.removeEventListener('abort', onAbort);
            resolve(r);
          },
          (e: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
          },
        );
      });
      if (next === ABORTED) return;
      if (next.done === true) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) {
      // Do not wait: a pending read may never complete. The source's own cleanup runs in the background.
      it.return?.()?.catch(() => {});
    }
  }
}

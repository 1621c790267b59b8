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

/**
 * As `untilAborted`, for bytes that are lines (CSV, NDJSON): the bytes after the last newline seen
 * are held back until more come, so an interrupt ends the stream at the last complete line (the
 * line it cut off is dropped, not read as a bad row), and the readers downstream finish normally.
 * Held bytes are passed on as they are (no copy), ahead of the next chunk.
 */
export async function* untilAbortedAtLine(
  source: AsyncIterable<Buffer>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  if (signal === undefined) {
    yield* source;
    return;
  }
  let held: Buffer[] = [];
  for await (const chunk of untilAborted(source, signal)) {
    const nl = chunk.lastIndexOf(10);
    if (nl === -1) {
      held.push(chunk);
      continue;
    }
    for (const h of held) yield h;
    held = [];
    if (nl + 1 === chunk.length) yield chunk;
    else {
      yield chunk.subarray(0, nl + 1);
      held.push(chunk.subarray(nl + 1));
    }
  }
  if (signal.aborted) return;
  for (const h of held) yield h;
}

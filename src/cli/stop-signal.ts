/**
 * Runs `task` with a signal that SIGINT or SIGTERM aborts (the first one; the handlers are removed
 * when the task settles), for verbs that run until Ctrl-C and then finish their work.
 */
export async function untilStopSignal<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await task(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

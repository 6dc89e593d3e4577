/**
Runs `task` over `items` with at most `limit` running at once (Docker downloads three layers at
a time by default). The first failure stops new tasks from starting, waits for the running
ones to settle (so none keeps writing after we return) and is then thrown. `onFailure`
runs at the first failure, so the caller can abort the others rather than wait for them.
*/
export async function runLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
  onFailure?: (error: unknown) => void,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await task(items[index]!, index);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          onFailure?.(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}

/**
 * Everything the benchmark starts (servers, child processes, temp dirs) registers its own undo
 * here, so a failure or Ctrl-C half-way still leaves no server running and no 256 MiB file behind.
 */
export class CleanupStack {
  private readonly actions: Array<{ label: string; run: () => Promise<void> | void }> = [];
  private running: Promise<void> | undefined;

  add(label: string, run: () => Promise<void> | void): void {
    this.actions.push({ label, run });
  }

  /** Undo in reverse order; one failing step must not keep the others from running. */
  runAll(): Promise<void> {
    this.running ??= (async () => {
      while (this.actions.length > 0) {
        const { label, run } = this.actions.pop()!;
        try {
          await run();
        } catch (error) {
          console.error(`bench: cleanup "${label}" failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

/**
 * One suite run in this process (scripts/bench/index.ts): its cleanup stack, undone on success, on
 * failure and on Ctrl-C; the failure printed with the end of its log; the exit code.
 */
import { CleanupStack } from "./cleanup";
import { BenchFailure, BenchSetupError } from "./errors";

export interface Suite {
  /** Starts its messages ("bench:pipeline"). */
  prefix: string;
  /** What an interrupt does, for the message ("stopping the portal and removing temp files"). */
  onInterrupt: string;
  run(cleanup: CleanupStack): Promise<void>;
}

/** Resolves with the exit code: 0, 1 when it failed, 2 when it could not start; 130 on an interrupt, from the handler. */
export async function runSuite(suite: Suite): Promise<number> {
  const cleanup = new CleanupStack();
  let interrupted = false;
  // `on`, not `once`: Ctrl-C reaches us twice (directly and relayed by the tsx CLI or the bench
  // runner), and an unhandled second SIGINT would kill the process before the cleanup has finished.
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${suite.prefix}: ${signal}, ${suite.onInterrupt}`);
    void cleanup.runAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let failure: { error: unknown } | undefined;
  try {
    await suite.run(cleanup);
  } catch (error) {
    failure = { error };
  }
  await cleanup.runAll();
  return failure ? reportFailure(suite.prefix, failure.error) : 0;
}

function reportFailure(prefix: string, error: unknown): number {
  if (error instanceof BenchSetupError) {
    console.error(error.message);
    return 2;
  }
  if (error instanceof BenchFailure) {
    console.error(`${prefix} failed: ${error.message}`);
    if (error.log) console.error(error.log.trim().split("\n").slice(-40).join("\n"));
  } else {
    // Not a measurement that went wrong but the code: where it broke.
    console.error(`${prefix} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  return 1;
}

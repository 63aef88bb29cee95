import v8 from "node:v8";

/**
 * V8 flags for the isolates of the portal's threads (protocol and crypto), applied process-wide
 * just before the first thread starts: V8 reads them when it creates an isolate, so the page
 * thread's isolate, created at start-up, keeps what `npm start` gave it.
 *
 * Why a relay thread's old generation starts with a 64 MB limit: a relay of a sealed file
 * decrypts every record into a new buffer (node:crypto cannot decrypt into a buffer it is given),
 * 128 MiB of them for a 128 MiB file, outside V8's heap. V8 counts that memory against the old
 * generation's limit, which for a thread's small heap (about 10 MB live) sits little more than
 * the young generation above it, so the buffers kept setting off full collections: 6 to 7 per
 * 128 MiB relay, a third of its CPU. The limit only decides when the first full collection runs;
 * nothing is reserved up front (an idle thread's RSS is unchanged), and buffers that die young are
 * still freed by the young-generation collections. Measured in docs/engine-profile.md.
 *
 * Worker's resourceLimits offer only maximum sizes, hence the process-wide flag. Node warns that a
 * V8 flag set after start-up may do nothing; test/thread-heap.test.ts checks that this one takes effect
 * in threads started after it (and would fail on a Node whose V8 ignored it).
 */
export const THREAD_V8_FLAGS = ["--initial-heap-size=64"] as const;

let applied = false;

export function applyThreadV8Flags(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(THREAD_V8_FLAGS.join(" "));
}

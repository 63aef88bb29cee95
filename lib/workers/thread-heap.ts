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
 * Why the threads run without V8's memory reducer: it starts a full collection on a heap that
 * grew and then went quiet, about half a minute after a thread's last relay, and after it the next
 * relay ran as a thread's first does, V8 compiling its hot code again (a fifth of its CPU;
 * docs/engine-profile.md). The pool keeps its oldest protocol thread so that a busy portal's relays
 * run that code optimized. A thread's garbage now waits for the next collection its own allocation
 * starts; the page thread keeps its reducer (this V8 creates one per heap, when the flag is set).
 *
 * Worker's resourceLimits offer only maximum sizes, hence the process-wide flags. Node warns that a
 * V8 flag set after start-up may do nothing; test/thread-heap.test.ts checks that these take effect
 * in threads started after them, and not on the page thread (and would fail on a Node whose V8
 * ignored them).
 */
export const THREAD_V8_FLAGS = ["--initial-heap-size=64", "--no-memory-reducer"] as const;

let applied = false;

export function applyThreadV8Flags(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(THREAD_V8_FLAGS.join(" "));
}

/**
 * The body of every worker thread: runs the tasks the portal hands it and reports back. Nothing
 * here touches the database; inputs arrive complete (credentials already decrypted by the portal)
 * and results go back as plain values.
 */
import "@/lib/workers/install-group-exchange";
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { logger } from "@/lib/logger";
import { serializeError, type FromWorker, type ToWorker } from "@/lib/workers/messages";
import { WORKER_TASKS, type TaskContext } from "@/lib/workers/tasks";

if (!parentPort) throw new Error("thread-entry runs only as a worker thread");

// Below the event loop that serves pages: on a busy machine the kernel gives the portal's main
// thread the CPU first (on Linux the nice value is per thread; raising it needs no privilege).
const nice = (workerData as { nice?: number } | undefined)?.nice;
if (nice) {
  try {
    os.setPriority(0, nice);
  } catch (error) {
    logger.warn("worker thread priority could not be lowered", { nice, error });
  }
}
const port = parentPort;
const running = new Map<number, AbortController>();

const send = (message: FromWorker) => port.postMessage(message);

port.on("message", (message: ToWorker) => {
  if (message.type === "ping") return send({ type: "pong", seq: message.seq });
  if (message.type === "abort") {
    running.get(message.id)?.abort(new Error(message.reason));
    return;
  }
  const { id, task, args } = message;
  const controller = new AbortController();
  running.set(id, controller);
  const context: TaskContext = { signal: controller.signal, emit: (event) => send({ type: "event", id, event }) };
  const handler = WORKER_TASKS[task as keyof typeof WORKER_TASKS] as ((args: unknown, context: TaskContext) => Promise<unknown>) | undefined;
  Promise.resolve()
    .then(() => {
      if (!handler) throw new Error(`unknown worker task "${task}"`);
      return handler(args, context);
    })
    .then(
      (value) => send({ type: "result", id, ok: true, value }),
      (error: unknown) => send({ type: "result", id, ok: false, error: serializeError(error) }),
    )
    .finally(() => running.delete(id));
});

// A stray rejection in a protocol library must not end every task on this thread.
process.on("unhandledRejection", (error) => logger.error("unhandled rejection in a worker thread", { error }));

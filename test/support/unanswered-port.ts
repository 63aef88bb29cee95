/**
 * A loopback port that never answers a TCP connect, like a host behind a firewall that drops
 * packets: a child process listen()s with a backlog of 0 and never accept()s, and we fill the
 * accept queue with one connection. Further SYNs are dropped by the kernel, so connect() hangs.
 * Loopback only; no firewall rules are touched.
 */
import { spawn } from "node:child_process";
import net from "node:net";

const LISTENER = [
  "import socket, sys",
  "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
  "s.bind(('127.0.0.1', 0))",
  "s.listen(0)",
  "print(s.getsockname()[1], flush=True)",
  "sys.stdin.read()", // live until the parent closes stdin (or dies)
].join("\n");

export interface UnansweredPort {
  port: number;
  close(): Promise<void>;
}

export async function startUnansweredPort(): Promise<UnansweredPort> {
  const child = spawn("python3", ["-c", LISTENER], { stdio: ["pipe", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`python3 is needed for the unanswered-port fixture: ${error.message}`)));
    child.stdout!.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", (code) => reject(new Error(`listener exited with ${code}`)));
  });
  const fillers: net.Socket[] = [];
  // Queue connections until one no longer completes: from then on the queue is full.
  for (let i = 0; i < 8; i++) {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 300);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return {
    port,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin!.end();
      child.kill("SIGTERM");
      await exited;
    },
  };
}

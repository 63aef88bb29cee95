import { isMainThread } from "node:worker_threads";

/**
 * Logs: one JSON object a line for machines (a file, a pipe, a log collector: whenever the stream
 * is not a terminal, or LOG_FORMAT=json), one readable line for a person at a terminal
 * (LOG_FORMAT=text forces it). Known secret-bearing keys are masked wherever they appear, in both,
 * and errors are reduced to name, message, code and stack so request bodies never reach the log.
 */
const SECRET_KEYS = /pass(word|phrase)?|secret|token|private|authorization|cookie|hash|ciphertext|key$/i;

type Level = "debug" | "info" | "warn" | "error";
const levelRank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const configured = (process.env.LOG_LEVEL as Level | undefined) ?? "info";
  return levelRank[configured] ?? levelRank.info;
}

/**
 * drizzle's query errors quote the statement's bound values ("params: …") in their message and so
 * in their stack: a password hash, a sealed secret or a token hash could ride along. The statement
 * stays (it names the table); the values go. The database's own error is kept as the cause.
 */
function withoutQueryParameters(text: string): string {
  return text.replace(/\nparams: [^\n]*/g, "\nparams: [redacted]");
}

export function sanitise(value: unknown, depth = 0): unknown {
  if (depth > 5) return "[deep]";
  if (value instanceof Error) {
    const cause = value.cause instanceof Error ? { cause: sanitise(value.cause, depth + 1) } : {};
    return {
      name: value.name,
      message: withoutQueryParameters(value.message),
      code: (value as { code?: unknown }).code,
      stack: withoutQueryParameters(value.stack ?? "").split("\n").slice(0, 6).join("\n") || undefined,
      ...cause,
    };
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => sanitise(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEYS.test(key) ? "[redacted]" : sanitise(v, depth + 1);
    return out;
  }
  return value;
}

export type LogFormat = "json" | "text";

/**
 * LOG_FORMAT (lib/env.ts validates it at start-up): "json" or "text" as asked; otherwise ("auto" or
 * unset) JSON unless the stream the line goes to is a terminal. Read here, not from env(), so worker
 * threads and scripts log the same way without parsing the whole configuration.
 */
export function chooseLogFormat(configured: string | undefined, isTerminal: boolean | undefined): LogFormat {
  if (configured === "json" || configured === "text") return configured;
  return isTerminal ? "text" : "json";
}

export function formatJsonLine(at: Date, level: Level, message: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ at: at.toISOString(), level, message, ...fields });
}

const levelColour: Record<Level, string> = { debug: "\u001b[90m", info: "\u001b[36m", warn: "\u001b[33m", error: "\u001b[31m" };

/** "08:01:29 warn  message key=value key2="two words"", a stack on the lines below; colours only on a terminal. */
export function formatTextLine(at: Date, level: Level, message: string, fields: Record<string, unknown>, colour = false): string {
  const stacks: string[] = [];
  // As in JSON, a field without a value is left out.
  const parts = Object.entries(fields).filter(([, value]) => value !== undefined).map(([key, value]) => {
    if (value && typeof value === "object" && "stack" in value && typeof value.stack === "string") {
      stacks.push(value.stack);
      const rest = Object.fromEntries(Object.entries(value).filter(([name]) => name !== "stack"));
      return `${key}=${JSON.stringify(rest)}`;
    }
    return `${key}=${typeof value === "string" && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`;
  });
  const time = at.toISOString().slice(11, 19);
  const label = level.padEnd(5);
  const head = `${colour ? "\u001b[90m" : ""}${time}${colour ? "\u001b[0m" : ""} ${colour ? levelColour[level] : ""}${label}${colour ? "\u001b[0m" : ""} ${message}`;
  const line = parts.length ? `${head} ${parts.join(" ")}` : head;
  return [line, ...stacks.map((stack) => stack.split("\n").slice(1).join("\n")).filter(Boolean)].join("\n");
}

/**
 * Worker threads write through their parent's streams, never a terminal of their own: they follow
 * the main thread, which names its terminal streams here before any thread starts (a thread's
 * environment is a copy of its parent's). Child processes inherit the streams and look for themselves.
 */
const TERMINAL_STREAMS = "PORTAL_LOG_TERMINAL_STREAMS";
if (isMainThread) {
  process.env[TERMINAL_STREAMS] = [process.stdout.isTTY ? "stdout" : "", process.stderr.isTTY ? "stderr" : ""].filter(Boolean).join(",");
}

function isTerminal(name: "stdout" | "stderr"): boolean {
  if (isMainThread) return Boolean(process[name].isTTY);
  return (process.env[TERMINAL_STREAMS] ?? "").split(",").includes(name);
}

function write(level: Level, message: string, fields?: Record<string, unknown>) {
  if (levelRank[level] < threshold()) return;
  const streamName = level === "error" || level === "warn" ? "stderr" : "stdout";
  const stream = process[streamName];
  const terminal = isTerminal(streamName);
  const safe = sanitise(fields ?? {}) as Record<string, unknown>;
  const at = new Date();
  const line =
    chooseLogFormat(process.env.LOG_FORMAT, terminal) === "json"
      ? formatJsonLine(at, level, message, safe)
      : formatTextLine(at, level, message, safe, terminal && !process.env.NO_COLOR);
  stream.write(line + "\n");
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};

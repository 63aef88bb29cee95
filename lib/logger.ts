/**
 * One-line JSON logs. Known secret-bearing keys are masked wherever they appear, and errors are
 * reduced to name, message, code and stack so request bodies never reach the log.
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

function write(level: Level, message: string, fields?: Record<string, unknown>) {
  if (levelRank[level] < threshold()) return;
  const line = JSON.stringify({ at: new Date().toISOString(), level, message, ...(sanitise(fields ?? {}) as object) });
  if (level === "error" || level === "warn") process.stderr.write(line + "\n");
  else process.stdout.write(line + "\n");
}

export const logger = {
  debug: (message: string, fields?: Record<string, unknown>) => write("debug", message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write("info", message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write("warn", message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write("error", message, fields),
};

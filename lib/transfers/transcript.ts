/**
 * A protocol transcript in the spirit of a desktop client's session log: what we sent, what the
 * server answered, timings. It must never hold a secret: `add` redacts anything registered as one.
 */
export type TranscriptStage =
  | "resolve"
  | "connect"
  | "banner"
  | "kex"
  | "hostkey"
  | "tls"
  | "auth"
  | "session"
  | "directory"
  | "list"
  | "upload"
  | "verify"
  | "rename"
  | "close"
  | "error";

export interface TranscriptLine {
  at: string; // ISO-8601 UTC with milliseconds
  stage: TranscriptStage;
  /** ">" sent by us, "<" received from the server, "." local note */
  direction: ">" | "<" | ".";
  message: string;
}

export class Transcript {
  readonly lines: TranscriptLine[] = [];
  private readonly secrets = new Set<string>();

  /** `onLine` sees every line as it is added (a worker thread streams them to the portal). */
  constructor(private readonly options: { onLine?: (line: TranscriptLine) => void } = {}) {}

  /** Register values (passwords, passphrases, key material) that must never appear in a line. */
  redact(...values: Array<string | undefined | null>): this {
    for (const value of values) if (value && value.length >= 3) this.secrets.add(value);
    return this;
  }

  add(stage: TranscriptStage, direction: TranscriptLine["direction"], message: string): void {
    this.append({ at: new Date().toISOString(), stage, direction, message });
  }

  /** Adds a line recorded elsewhere (another thread), keeping its time; redaction applies again. */
  append(line: TranscriptLine): void {
    let safe = line.message;
    for (const secret of this.secrets) safe = safe.split(secret).join("[redacted]");
    const kept = { ...line, message: safe };
    this.lines.push(kept);
    this.options.onLine?.(kept);
  }

  note(stage: TranscriptStage, message: string): void {
    this.add(stage, ".", message);
  }

  /**
   * The line an attempt ends with when it failed: "CODE: message (detail)". Skipped when an error line
   * already says it (the protocol layer records the failure where it happens), so the transcript
   * does not end by repeating itself.
   */
  addFinalError(code: string, message: string, detail?: string): void {
    const said = `${code}: ${message}`;
    if (this.lines.some((line) => line.stage === "error" && line.message.includes(said))) return;
    this.add("error", ".", `${said}${detail ? ` (${detail})` : ""}`);
  }

  toText(): string {
    return this.lines.map((l) => `[${l.at}] ${l.direction} ${l.stage.padEnd(9)} ${l.message}`).join("\n");
  }
}

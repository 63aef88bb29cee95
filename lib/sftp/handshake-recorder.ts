import "server-only";

/** The algorithm categories SSH negotiates, in the order ssh2 checks them. */
export const NEGOTIATION_CATEGORIES = [
  "kex",
  "hostKey",
  "cipherClientToServer",
  "cipherServerToClient",
  "macClientToServer",
  "macServerToClient",
  "compressionClientToServer",
  "compressionServerToClient",
] as const;
export type NegotiationCategory = (typeof NEGOTIATION_CATEGORIES)[number];

export interface CategoryRecord {
  client?: string[];
  server?: string[];
  agreed?: string;
}

const LABELS: Record<string, NegotiationCategory> = {
  "kex method": "kex",
  "kex algorithm": "kex",
  "host key format": "hostKey",
  "c->s cipher": "cipherClientToServer",
  "s->c cipher": "cipherServerToClient",
  "c->s mac": "macClientToServer",
  "s->c mac": "macServerToClient",
  "c->s compression": "compressionClientToServer",
  "s->c compression": "compressionServerToClient",
};

export const CATEGORY_NAMES: Record<NegotiationCategory, string> = {
  kex: "key exchange",
  hostKey: "host key type",
  cipherClientToServer: "cipher (client to server)",
  cipherServerToClient: "cipher (server to client)",
  macClientToServer: "MAC (client to server)",
  macServerToClient: "MAC (server to client)",
  compressionClientToServer: "compression (client to server)",
  compressionServerToClient: "compression (server to client)",
};

/** Markers that travel in the KEX list but are not algorithms anyone can "lack". */
const PSEUDO_ALGORITHMS = /^(ext-info-[cs]|kex-strict-[cs]-v00@openssh\.com)$/;

const LIST_LINE = /^Handshake: \((local|remote)\) ([^:]+): (.*)$/;
const AGREED_LINE = /^Handshake: ([^(:][^:]*): (.+)$/;
const IDENT_LINE = /^Remote ident: '(.*)'$/;

/**
 * ssh2 reports both sides' algorithm lists and each agreed algorithm only through its debug
 * output, so we read them from there. Nothing in these lines is secret.
 */
export class HandshakeRecorder {
  serverIdent?: string;
  readonly categories: Record<NegotiationCategory, CategoryRecord> = Object.fromEntries(
    NEGOTIATION_CATEGORIES.map((c) => [c, {}]),
  ) as Record<NegotiationCategory, CategoryRecord>;

  constructor(
    private readonly events: {
      onIdent?(ident: string): void;
      onNegotiated?(): void;
    } = {},
  ) {}

  readonly onDebug = (line: string): void => {
    const ident = IDENT_LINE.exec(line);
    if (ident) {
      this.serverIdent = ident[1].replace(/\\r|\\n/g, "").trim();
      this.events.onIdent?.(this.serverIdent);
      return;
    }
    const list = LIST_LINE.exec(line);
    if (list) {
      const category = LABELS[list[2].toLowerCase()];
      if (!category) return;
      const algorithms = list[3]
        .split(",")
        .map((a) => a.trim())
        .filter((a) => a && !PSEUDO_ALGORITHMS.test(a));
      this.categories[category][list[1] === "local" ? "client" : "server"] = algorithms;
      return;
    }
    const agreed = AGREED_LINE.exec(line);
    if (agreed) {
      const category = LABELS[agreed[1].toLowerCase()];
      if (!category) return;
      this.categories[category].agreed = agreed[2].trim();
      if (category === "compressionServerToClient") this.events.onNegotiated?.();
    }
  };

  /** The category ssh2 gave up on, from its "Handshake failed: no matching ..." message. */
  failedCategory(errorMessage: string): NegotiationCategory | undefined {
    const text = errorMessage.toLowerCase();
    if (!text.includes("no matching")) return undefined;
    if (text.includes("key exchange")) return "kex";
    if (text.includes("host key")) return "hostKey";
    for (const [label, category] of Object.entries(LABELS)) {
      if (label.includes("->") && text.includes(label)) return category;
    }
    return undefined;
  }

  describeMismatch(category: NegotiationCategory): string {
    const record = this.categories[category];
    const server = record.server?.join(",") || "(unknown)";
    const client = record.client?.join(",") || "(unknown)";
    return `No common ${CATEGORY_NAMES[category]}: the server offers only ${server}; this client offers ${client}.`;
  }
}

import "server-only";
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import type { AuthRequirement, UpstreamCredentials } from "@/lib/transfers/types";

type Method = "password" | "publickey" | "keyboard-interactive";
type Outcome = "untried" | "pending" | "partial" | "rejected";

/** Text that servers put in banners or disconnect reasons when they lock an account. */
export const LOCK_TEXT = /too many (authentication )?(failures|attempts)|locked|lockout|disabled|suspended/i;

export interface AuthEvents {
  onOffered?(methodsLeft: string[]): void;
  onAttempt(method: Method): void;
  onResult(method: Method, outcome: "partial success" | "rejected", methodsLeft: string[]): void;
}

/**
 * Drives ssh2's authHandler: offer what the server asks for, in its order, with the credentials
 * this destination uses; remember each method's outcome so that a final failure can be named
 * precisely (wrong password vs unknown key vs missing credential).
 */
export class AuthPlan {
  private readonly outcomes: Record<Method, Outcome> = {
    password: "untried",
    publickey: "untried",
    "keyboard-interactive": "untried",
  };
  private current: Method | "none" | undefined;
  private lastMethodsLeft: string[] = [];
  private failure?: TransferError;

  constructor(
    private readonly username: string,
    private readonly requirement: AuthRequirement,
    private readonly credentials: UpstreamCredentials,
    private readonly events: AuthEvents,
  ) {}

  private canUse(method: Method): boolean {
    const wantsPassword = this.requirement !== "key";
    const wantsKey = this.requirement !== "password";
    if (method === "publickey") return wantsKey && !!this.credentials.privateKey;
    return wantsPassword && this.credentials.password !== undefined;
  }

  readonly handler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) => {
    const left = (methodsLeft ?? []) as string[];
    if (this.current === "none") this.events.onOffered?.(left);
    if (this.current && this.current !== "none") {
      const outcome = partialSuccess ? "partial" : "rejected";
      this.outcomes[this.current] = outcome;
      this.events.onResult(this.current, partialSuccess ? "partial success" : "rejected", left);
    }
    if (methodsLeft === null) {
      // First call: ask with "none" so the server tells us which methods it wants, and in which order.
      this.current = "none";
      return next("none");
    }
    this.lastMethodsLeft = left;
    const method = this.pickNext(left);
    if (!method) {
      this.failure = this.classifyFailure(left);
      this.current = undefined;
      return next(false as unknown as AuthenticationType);
    }
    this.current = method;
    this.outcomes[method] = "pending";
    this.events.onAttempt(method);
    next(this.buildAttempt(method));
  };

  private pickNext(left: string[]): Method | undefined {
    for (const name of left) {
      if (name !== "password" && name !== "publickey" && name !== "keyboard-interactive") continue;
      const method = name as Method;
      if (this.outcomes[method] !== "untried" || !this.canUse(method)) continue;
      // keyboard-interactive is only our way to send the password to servers that prompt for it.
      if (method === "keyboard-interactive" && (left.includes("password") || this.outcomes.password !== "untried"))
        continue;
      return method;
    }
    return undefined;
  }

  private buildAttempt(method: Method): AnyAuthMethod {
    const { username, credentials } = this;
    if (method === "password") return { type: "password", username, password: credentials.password! };
    if (method === "publickey")
      return { type: "publickey", username, key: credentials.privateKey!, passphrase: credentials.passphrase };
    return {
      type: "keyboard-interactive",
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) =>
        finish(prompts.map((p) => (/pass/i.test(p.prompt) ? credentials.password! : ""))),
    };
  }

  private classifyFailure(left: string[]): TransferError {
    const offered = left.join(",") || "(none)";
    if (this.outcomes.publickey === "rejected") {
      const after = this.outcomes.password === "partial" ? " after the password was accepted (partial success)" : "";
      return new TransferError("AUTH_KEY_REJECTED", `The server rejected the public key for ${this.username}${after}.`, {
        detail: `Server still asks for: ${offered}`,
      });
    }
    if (this.outcomes.password === "rejected" || this.outcomes["keyboard-interactive"] === "rejected") {
      return new TransferError("AUTH_PASSWORD_REJECTED", `The server rejected the password for ${this.username}.`, {
        detail: `Server still asks for: ${offered}`,
      });
    }
    const missing = left.filter((m) => m === "password" || m === "publickey" || m === "keyboard-interactive");
    if (missing.length > 0) {
      const partial = this.outcomes.password === "partial" ? "The password was accepted (partial success), but the" : "The";
      return new TransferError(
        "CREDENTIALS_MISSING",
        `${partial} server also requires ${missing.join(" or ")}, and this account has no such credential for this destination.`,
        { detail: `Server asks for: ${offered}; destination auth: ${this.requirement}` },
      );
    }
    return new TransferError("AUTH_METHOD_UNSUPPORTED", `The server only accepts ${offered}, which the portal does not support.`, {
      detail: `Server asks for: ${offered}`,
    });
  }

  /** The precise reason, once ssh2 reports "All configured authentication methods failed". */
  get finalFailure(): TransferError | undefined {
    return this.failure;
  }

  get methodInProgress(): string | undefined {
    return this.current;
  }

  get methodsLeft(): string[] {
    return this.lastMethodsLeft;
  }
}

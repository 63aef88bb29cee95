import fs from "node:fs";
import path from "node:path";
import { expect } from "@playwright/test";
import { generate } from "otplib";
import type { E2eRole } from "./credentials";

/**
 * Authenticator-app stand-in for the tests: codes computed with otplib from the key the enrolment
 * page shows. It remembers the last time step it used, because the portal refuses a code at or
 * below the last accepted step.
 */
export class Authenticator {
  private lastStep: number;

  constructor(
    readonly secret: string,
    lastStep = 0,
  ) {
    this.lastStep = lastStep;
  }

  /** The manual-entry key as shown ("ABCD EFGH …"). */
  static fromManualKey(shown: string, lastStep = 0): Authenticator {
    return new Authenticator(shown.replace(/\s+/g, ""), lastStep);
  }

  get usedStep(): number {
    return this.lastStep;
  }

  /**
   * A code the portal has not seen yet: the current step, or the next one (the portal accepts one
   * step of drift). When both were used, waits for the clock to reach a new step.
   */
  async nextCode(): Promise<string> {
    const currentStep = () => Math.floor(Date.now() / 30_000);
    await expect.poll(() => currentStep() + 1 > this.lastStep, { timeout: 35_000, message: "waiting for a fresh TOTP time step" }).toBe(true);
    const step = Math.max(currentStep(), this.lastStep + 1);
    this.lastStep = step;
    return generate({ secret: this.secret, epoch: step * 30 });
  }

  /** A valid-format code that is certainly wrong for this secret right now. */
  async wrongCode(): Promise<string> {
    const nearby = new Set<string>();
    const now = Math.floor(Date.now() / 30_000);
    for (const step of [now - 1, now, now + 1, now + 2]) nearby.add(await generate({ secret: this.secret, epoch: step * 30 }));
    for (let candidate = 123456; ; candidate = (candidate + 111111) % 1_000_000) {
      const code = String(candidate).padStart(6, "0");
      if (!nearby.has(code)) return code;
    }
  }
}

/** Next to the stored sign-in state, per port: specs that sign in again can produce codes. */
export const totpPath = (role: E2eRole) => `playwright/.auth/${process.env.E2E_PORT ?? "3100"}/${role}.totp`;

export function saveAuthenticator(role: E2eRole, authenticator: Authenticator): void {
  fs.mkdirSync(path.dirname(totpPath(role)), { recursive: true });
  fs.writeFileSync(totpPath(role), JSON.stringify({ secret: authenticator.secret, lastStep: authenticator.usedStep }), { mode: 0o600 });
}

export function loadAuthenticator(role: E2eRole): Authenticator {
  const saved = JSON.parse(fs.readFileSync(totpPath(role), "utf8")) as { secret: string; lastStep: number };
  return new Authenticator(saved.secret, saved.lastStep);
}

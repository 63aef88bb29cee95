import "server-only";
import { blockedUntil, clearKey, countEvent, type LimitPolicy } from "@/lib/rate-limits/store";
import { UserInputError } from "@/lib/errors";

const minutes = (n: number) => n * 60_000;

/**
 * Every throttle of the portal, by name. Counters live in the database (`rate_limits`), so they
 * hold across several portal instances. "Account" subjects are the email as typed (or a user or
 * record id): an unknown email is counted exactly like a known one, so a limit never tells
 * whether an account exists. IP limits are looser, because an office may share one address.
 */
export const ratePolicies = {
  /** Wrong passwords for one email. */
  signInAccount: { prefix: "signin:account", max: 5, windowMs: minutes(15), blockMs: minutes(15) },
  /** Wrong passwords from one address, whatever the emails. */
  signInIp: { prefix: "signin:ip", max: 50, windowMs: minutes(15), blockMs: minutes(15) },
  /** Wrong second-factor codes for one user, across pending sign-ins and fresh-auth prompts. */
  twoFactorAccount: { prefix: "2fa:account", max: 10, windowMs: minutes(15), blockMs: minutes(15) },
  twoFactorIp: { prefix: "2fa:ip", max: 50, windowMs: minutes(15), blockMs: minutes(15) },
  /** Registrations submitted (every one counts). */
  registrationAccount: { prefix: "register:account", max: 3, windowMs: minutes(60) },
  registrationIp: { prefix: "register:ip", max: 20, windowMs: minutes(60) },
  /** Password-reset requests (every one counts); the reset flow uses these. */
  passwordResetAccount: { prefix: "reset:account", max: 3, windowMs: minutes(60) },
  passwordResetIp: { prefix: "reset:ip", max: 20, windowMs: minutes(60) },
  /** API requests with a missing or wrong bearer token, per address. */
  apiTokenFailureIp: { prefix: "api:badtoken:ip", max: 20, windowMs: minutes(15), blockMs: minutes(15) },
  /** Diagnosis runs: per partner account it protects the payer's lock-out; per address, the relay. */
  diagnosisAccount: { prefix: "diagnosis:account", max: 3, windowMs: minutes(10) },
  diagnosisIp: { prefix: "diagnosis:ip", max: 10, windowMs: minutes(10) },
} as const satisfies Record<string, LimitPolicy & { prefix: string }>;

export type RatePolicyName = keyof typeof ratePolicies;

/** One counter: a policy and what it counts (an email, a user id, an IP). Empty subjects are skipped. */
export type LimitSubject = [policy: RatePolicyName, subject: string | null | undefined];

export function limitKey(policy: RatePolicyName, subject: string): string {
  return `${ratePolicies[policy].prefix}:${subject.trim().toLowerCase()}`;
}

function present(subjects: LimitSubject[]): Array<[RatePolicyName, string]> {
  return subjects.filter((s): s is [RatePolicyName, string] => typeof s[1] === "string" && s[1].trim() !== "");
}

function latest(dates: Array<Date | null>): Date | null {
  return dates.reduce<Date | null>((max, d) => (d && (!max || d > max) ? d : max), null);
}

/** When any of the counters is blocked, the latest time the blocks end; otherwise null. */
export async function limitedUntil(...subjects: LimitSubject[]): Promise<Date | null> {
  return latest(await Promise.all(present(subjects).map(([policy, subject]) => blockedUntil(limitKey(policy, subject)))));
}

/** Count one event on each counter; returns when the caller is blocked from now on, or null. */
export async function countAttempt(...subjects: LimitSubject[]): Promise<Date | null> {
  const states = await Promise.all(present(subjects).map(([policy, subject]) => countEvent(limitKey(policy, subject), ratePolicies[policy])));
  return latest(states.map((s) => s.blockedUntil));
}

export async function clearLimits(...subjects: LimitSubject[]): Promise<void> {
  await Promise.all(present(subjects).map(([policy, subject]) => clearKey(limitKey(policy, subject))));
}

/** For limits where every request counts (registration, reset requests): refuse when blocked, else count. */
export async function consumeAttempt(...subjects: LimitSubject[]): Promise<void> {
  const until = await limitedUntil(...subjects);
  if (until) throw new RateLimitedError(until);
  await countAttempt(...subjects);
}

export function retryAfterSeconds(until: Date, now = Date.now()): number {
  return Math.max(1, Math.ceil((until.getTime() - now) / 1000));
}

/** "in 12 minutes (at 09:41 UTC)": the part of every limit message that says when to come back. */
export function tryAgainText(until: Date, now = Date.now()): string {
  const mins = Math.max(1, Math.ceil((until.getTime() - now) / 60_000));
  return `in ${mins} minute${mins === 1 ? "" : "s"} (at ${until.toISOString().slice(11, 16)} UTC)`;
}

/** A limited request. The message says when to try again and nothing about the account. */
export class RateLimitedError extends UserInputError {
  constructor(
    readonly until: Date,
    what = "Too many attempts",
  ) {
    super(`${what}. For your security this is paused; try again ${tryAgainText(until)}.`);
    this.name = "RateLimitedError";
  }
}

import "server-only";
import { getDb } from "@/db/client";
import type { Executor } from "@/db/executor";
import { deleteCounter, findActiveBlock, incrementCounter, type CounterRule, type CounterState } from "@/db/repositories/rate-limits";
import { UserInputError } from "@/lib/errors";

const minutes = (n: number) => n * 60_000;

export interface RatePolicy extends CounterRule {
  /** The counter keys' prefix: `<prefix>:<subject>`. */
  prefix: string;
}

/**
 * Every throttle of the portal, in one table: name, key prefix, how many events (`max`) per
 * `windowMs`, and how long a counter that reached `max` stays blocked (`blockMs`). Counters live in
 * the database (`rate_limits`), so they hold across several portal instances. "Account" subjects
 * are the email as typed (or a user or record id): an unknown email is counted exactly like a known
 * one, so a limit never tells whether an account exists. IP limits are looser, because an office
 * may share one address.
 */
export const ratePolicies = {
  /**
   * Wrong passwords for one email from one address (subject "<email>|<ip>"; sign-in and the
   * fresh-authentication prompt): blocks that address for that account only, so a stranger's
   * guesses never lock the owner out from their own network.
   */
  signInAccountSource: { prefix: "signin:account-ip", max: 5, windowMs: minutes(15), blockMs: minutes(15) },
  /**
   * Wrong passwords for one email from anywhere (guessing spread over many addresses). A block does
   * not lock the owner out: a browser that signed in to the account before (the known-device
   * cookie) or a right authenticator code sent with the password still gets in (lib/auth/authenticate.ts).
   */
  signInAccount: { prefix: "signin:account", max: 50, windowMs: minutes(15), blockMs: minutes(15) },
  /** Wrong passwords from one address, whatever the emails. */
  signInIp: { prefix: "signin:ip", max: 50, windowMs: minutes(15), blockMs: minutes(15) },
  /** Wrong second-factor codes for one user, across pending sign-ins and fresh-auth prompts. */
  twoFactorAccount: { prefix: "2fa:account", max: 10, windowMs: minutes(15), blockMs: minutes(15) },
  twoFactorIp: { prefix: "2fa:ip", max: 50, windowMs: minutes(15), blockMs: minutes(15) },
  /** Registrations submitted (every one counts). */
  registrationAccount: { prefix: "register:account", max: 3, windowMs: minutes(60), blockMs: minutes(60) },
  registrationIp: { prefix: "register:ip", max: 20, windowMs: minutes(60), blockMs: minutes(60) },
  /** Registrations across the whole portal: a flood from many addresses still stops. */
  registrationGlobal: { prefix: "register:global", max: 200, windowMs: minutes(60), blockMs: minutes(15) },
  /** Invitations sent by one org-admin, and by one organisation (every one counts). */
  invitationSender: { prefix: "invite:sender", max: 10, windowMs: minutes(60), blockMs: minutes(60) },
  invitationOrganisation: { prefix: "invite:org", max: 30, windowMs: minutes(24 * 60), blockMs: minutes(60) },
  /** "Send test event" per webhook and per user. */
  webhookTestEvent: { prefix: "webhook:test", max: 5, windowMs: minutes(10), blockMs: minutes(10) },
  webhookTestUser: { prefix: "webhook:test:user", max: 20, windowMs: minutes(60), blockMs: minutes(30) },
  /** The operator's vault re-wrap endpoint (local socket), per caller. */
  vaultRewrap: { prefix: "vault:rewrap", max: 10, windowMs: minutes(1), blockMs: minutes(1) },
  /** "Forgot password" requests, for known and unknown addresses alike (every one counts). */
  passwordResetAccount: { prefix: "reset:account", max: 3, windowMs: minutes(60), blockMs: minutes(60) },
  passwordResetIp: { prefix: "reset:ip", max: 20, windowMs: minutes(60), blockMs: minutes(60) },
  /** API requests with a wrong bearer token, per address. */
  apiTokenFailureIp: { prefix: "api:badtoken:ip", max: 20, windowMs: minutes(15), blockMs: minutes(15) },
  /** Partner API requests per token (every request counts): generous for batch jobs, low enough that a runaway loop cannot flood the relay. */
  apiToken: { prefix: "api:token", max: 120, windowMs: minutes(1), blockMs: minutes(1) },
  /** /api/health/details and /api/metrics requests per monitoring token: a monitoring system polls every few seconds at most. */
  monitoringToken: { prefix: "monitoring:token", max: 120, windowMs: minutes(1), blockMs: minutes(1) },
  /** Diagnosis runs: per partner account it protects the payer's lock-out; per address, the relay. */
  diagnosisAccount: { prefix: "diagnosis:account", max: 3, windowMs: minutes(10), blockMs: minutes(10) },
  diagnosisIp: { prefix: "diagnosis:ip", max: 10, windowMs: minutes(10), blockMs: minutes(10) },
} as const satisfies Record<string, RatePolicy>;

export type RatePolicyName = keyof typeof ratePolicies;

/** One counter: a policy and what it counts (an email, a user id, an IP). Empty subjects are skipped. */
export type LimitSubject = [policy: RatePolicyName, subject: string | null | undefined];

export type LimitState = CounterState;

/*
 * Throttles count request facts (an email as typed, an address, a token or account id), usually
 * before anyone is signed in, so these functions take the subjects rather than an actor. Each
 * operation exists twice: on its own (below), or on a use case's transaction (`rateLimitsOn(tx)`),
 * so a count or a cleared lock commits with the rows it belongs to.
 */

export function limitKey(policy: RatePolicyName, subject: string): string {
  return `${ratePolicies[policy].prefix}:${subject.trim().toLowerCase()}`;
}

function present(subjects: LimitSubject[]): Array<[RatePolicyName, string]> {
  return subjects.filter((s): s is [RatePolicyName, string] => typeof s[1] === "string" && s[1].trim() !== "");
}

function latest(dates: Array<Date | null>): Date | null {
  return dates.reduce<Date | null>((max, d) => (d && (!max || d > max) ? d : max), null);
}

/** The counter operations on one executor (the database, or a use case's transaction). */
export function rateLimitsOn(db: Executor) {
  return {
    /** When any of the counters is blocked, the latest time the blocks end; otherwise null. */
    async limitedUntil(...subjects: LimitSubject[]): Promise<Date | null> {
      const blocks: Array<Date | null> = [];
      for (const [policy, subject] of present(subjects)) blocks.push(await findActiveBlock(db, limitKey(policy, subject)));
      return latest(blocks);
    },
    /** Count one event on each counter; returns when the caller is blocked from now on, or null. */
    async countAttempt(...subjects: LimitSubject[]): Promise<Date | null> {
      const blocks: Array<Date | null> = [];
      for (const [policy, subject] of present(subjects)) blocks.push((await incrementCounter(db, limitKey(policy, subject), ratePolicies[policy])).blockedUntil);
      return latest(blocks);
    },
    async clearLimits(...subjects: LimitSubject[]): Promise<void> {
      for (const [policy, subject] of present(subjects)) await deleteCounter(db, limitKey(policy, subject));
    },
    /** For request-rate limits (every request counts): the counter after this request. Over the limit when `count > max`. */
    async countRequest([policy, subject]: [RatePolicyName, string]): Promise<LimitState> {
      return incrementCounter(db, limitKey(policy, subject), ratePolicies[policy]);
    },
  };
}

export async function limitedUntil(...subjects: LimitSubject[]): Promise<Date | null> {
  return rateLimitsOn(await getDb()).limitedUntil(...subjects);
}

export async function countAttempt(...subjects: LimitSubject[]): Promise<Date | null> {
  return rateLimitsOn(await getDb()).countAttempt(...subjects);
}

export async function clearLimits(...subjects: LimitSubject[]): Promise<void> {
  return rateLimitsOn(await getDb()).clearLimits(...subjects);
}

export async function countRequest(subject: [RatePolicyName, string]): Promise<LimitState> {
  return rateLimitsOn(await getDb()).countRequest(subject);
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

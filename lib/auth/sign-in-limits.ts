import "server-only";
import type { LimitSubject } from "@/lib/rate-limits/policies";
import { normaliseEmail as normalise } from "@/lib/organisations/users";

/*
 * Which counters a wrong portal password counts on (policy: README "Sign-in throttling"; numbers:
 * lib/rate-limits/policies.ts). Sign-in, the fresh-authentication prompt and a completed reset use
 * these, so they always name the same keys. Emails as typed, lower-cased: an unknown email is
 * counted exactly like a known one.
 */

/** The per-address counters, which refuse even the right password: this account from this address, and this address overall. */
export function signInSourceLimits(email: string, ip: string | null): LimitSubject[] {
  return [signInAccountSourceLimit(email, ip), ["signInIp", ip]];
}

/** This account from this address (5 wrong passwords pause that address for that account only). */
export function signInAccountSourceLimit(email: string, ip: string | null): LimitSubject {
  return ["signInAccountSource", `${normalise(email)}|${ip ?? "no-address"}`];
}

/** This account from everywhere: its block asks for the known-device proof or a code beside the password, never locks the owner out. */
export function signInAccountLimit(email: string): LimitSubject {
  return ["signInAccount", normalise(email)];
}

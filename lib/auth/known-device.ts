import "server-only";
import crypto from "node:crypto";
import type { User } from "@/db/schema";
import { env } from "@/lib/env";
import { ensureAuthSecret } from "@/lib/organisations/bootstrap";

/*
 * The "known device" proof: after every successful sign-in the browser gets an HttpOnly cookie
 * (lib/auth/cookies.ts, knownDeviceCookie) holding, per account it signed in to, an HMAC over the
 * user id and the user's session version. It lets its holder past the per-account block that
 * guessing from many addresses triggers (signInAccount), never past the per-address blocks. The
 * cookie names no account (the HMAC is recomputed for the account being signed in to), and a
 * password change, reset, disable or role change (each bumps the session version) makes every
 * earlier entry worthless, including any an attacker collected with a stolen password.
 */

/** How long a browser stays "known" after its last successful sign-in. */
export const KNOWN_DEVICE_DAYS = 90;
/** Entries one browser keeps (a shared office computer may serve a few accounts); the newest win. */
const MAX_ENTRIES = 5;
const ENTRY = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

function secret(): string {
  // server.ts puts the secret in the environment for Auth.js; scripts and tests read the same file.
  return process.env.AUTH_SECRET ?? ensureAuthSecret(env());
}

function mac(user: Pick<User, "id" | "sessionVersion">, issuedAt: number): string {
  return crypto.createHmac("sha256", secret()).update(`portal known-device v1\n${user.id}\n${user.sessionVersion}\n${issuedAt}`).digest("base64url");
}

function entriesOf(cookie: string | null | undefined): Array<{ issuedAt: number; mac: string; raw: string }> {
  if (!cookie || cookie.length > 1_000) return [];
  return cookie
    .split("~")
    .slice(0, MAX_ENTRIES)
    .flatMap((raw) => {
      const match = ENTRY.exec(raw);
      return match ? [{ issuedAt: Number(match[1]), mac: match[2], raw }] : [];
    });
}

function fresh(issuedAt: number, now: number): boolean {
  const ageSeconds = now / 1000 - issuedAt;
  return ageSeconds >= -300 && ageSeconds <= KNOWN_DEVICE_DAYS * 86_400;
}

function matches(user: Pick<User, "id" | "sessionVersion">, entry: { issuedAt: number; mac: string }): boolean {
  const expected = Buffer.from(mac(user, entry.issuedAt));
  const given = Buffer.from(entry.mac);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** Whether the cookie proves this browser signed in to this account before (since its last password change). */
export function isKnownDevice(user: Pick<User, "id" | "sessionVersion"> | undefined, cookie: string | null | undefined, now = Date.now()): boolean {
  if (!user) return false;
  return entriesOf(cookie).some((entry) => fresh(entry.issuedAt, now) && matches(user, entry));
}

/** The cookie's next value after a successful sign-in: a new entry for this account first, its own older entries dropped. */
export function rememberDevice(user: Pick<User, "id" | "sessionVersion">, cookie: string | null | undefined, now = Date.now()): string {
  const issuedAt = Math.floor(now / 1000);
  const others = entriesOf(cookie).filter((entry) => fresh(entry.issuedAt, now) && !matches(user, entry));
  return [`${issuedAt}.${mac(user, issuedAt)}`, ...others.map((entry) => entry.raw)].slice(0, MAX_ENTRIES).join("~");
}

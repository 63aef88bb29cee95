import "server-only";
import { hash, verify } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";

// OWASP's argon2id baseline: 19 MiB memory, 2 iterations, 1 lane.
// algorithm 2 is Argon2id (the package exports it as a const enum, which isolatedModules cannot read).
const argonOptions = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

const commonPasswords = new Set((dictionary["passwords-common"] as string[]).map((p) => p.toLowerCase()));

/** Returns a message that says what to change, or null when the password is acceptable. */
export function passwordProblem(password: string, context: { email?: string; organisation?: string } = {}): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > 256) return "Use at most 256 characters.";
  const lowered = password.toLowerCase();
  if (commonPasswords.has(lowered)) return "This password appears in lists of common passwords. Choose one that is not.";
  if (/^(.)\1+$/.test(password)) return "A single repeated character is too easy to guess.";
  const emailName = context.email?.split("@")[0]?.toLowerCase();
  if (emailName && emailName.length >= 4 && lowered.includes(emailName)) return "Do not include your email name in the password.";
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions);
}

// Verifying against this when the account does not exist keeps the timing of both answers alike.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hash("not-a-real-password-for-timing", argonOptions);
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

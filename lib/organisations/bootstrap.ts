import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { inTransaction, type Executor } from "@/db/executor";
import { anyUserHasRole, findUserByEmail, insertUserUnlessEmailTaken, replaceUnusedFirstPassword as replaceFirstPasswordRow, userExistsWithEmail } from "@/db/repositories/users";
import { spendUnusedPasswordResetsOfUser } from "@/db/repositories/password-resets";
import { endEverySessionOfUser } from "@/db/repositories/sessions";
import { recordAudit } from "@/lib/audit/log";
import { findOrganisationBySubmitterId, insertOrganisation } from "@/db/repositories/organisations";
import { getDb } from "@/db/client";
import { hashPassword } from "@/lib/auth/password";
import type { SystemActor } from "@/lib/auth/actor";
import type { Env } from "@/lib/env";

/** A readable random password: 4 groups of 5 from an alphabet without look-alikes (~110 bits). */
export function generatePassword(): string {
  const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let group = "";
    for (let i = 0; i < 5; i++) group += alphabet[crypto.randomInt(alphabet.length)];
    groups.push(group);
  }
  return groups.join("-");
}

/** AUTH_SECRET from the environment, or a 0600 file in the data directory created on first start. */
export function ensureAuthSecret(config: Env): string {
  if (config.AUTH_SECRET) return config.AUTH_SECRET;
  const file = path.join(config.DATA_DIR, "auth-secret");
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(48).toString("base64url"), { mode: 0o600, flag: "wx" });
  } catch (error) {
    // Created already (by an earlier start, or by another process at the same moment): use that one.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // The other process may be between creating the file and writing it: wait a moment for the bytes.
  for (let attempt = 0; attempt < 50; attempt++) {
    const secret = fs.readFileSync(file, "utf8").trim();
    if (secret) return secret;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  throw new Error(`${file} is empty: delete it, or set AUTH_SECRET.`);
}

export interface CreatedLogin {
  label: string;
  email: string;
  /** Present only when this start created the account: shown once, never stored in clear. */
  password?: string;
  /** A generated first password: it stops working at this time unless used, and the first sign-in replaces it. */
  expiresAt?: Date;
}

interface UserSpec {
  email: string;
  name: string;
  role: "admin" | "support" | "partner";
  organisationId?: string;
  isOrgAdmin?: boolean;
  password?: string;
}

/** The password and its hash for a user this start may create (hashed before any transaction opens). */
async function credentialsFor(spec: Pick<UserSpec, "password">): Promise<{ password: string; passwordHash: string }> {
  const password = spec.password ?? generatePassword();
  return { password, passwordHash: await hashPassword(password) };
}

/** Creates the user unless the email exists; the password when this call created it. */
async function ensureUser(
  tx: Executor,
  spec: UserSpec,
  credentials: { password: string; passwordHash: string },
  firstPassword: { expiresAt: Date } | null = null,
): Promise<string | undefined> {
  const created = await insertUserUnlessEmailTaken(tx, {
    email: spec.email,
    name: spec.name,
    role: spec.role,
    organisationId: spec.organisationId ?? null,
    isOrgAdmin: spec.isOrgAdmin ?? false,
    passwordHash: credentials.passwordHash,
    mustChangePassword: Boolean(firstPassword),
    passwordExpiresAt: firstPassword?.expiresAt ?? null,
  });
  return created ? credentials.password : undefined;
}

/**
 * The first admin's password rule. One the operator chose (BOOTSTRAP_ADMIN_PASSWORD) is theirs:
 * it neither expires nor must be changed (the e2e suite and scripted installs sign in with it). A
 * generated one is printed to the console, so it is a first password only: the first sign-in
 * with it goes straight to choosing one's own (users.mustChangePassword), and it stops working
 * BOOTSTRAP_PASSWORD_HOURS after it was printed (users.passwordExpiresAt) if nobody used it.
 */
function firstPasswordRule(config: Env): { expiresAt: Date } | null {
  return config.BOOTSTRAP_ADMIN_PASSWORD ? null : { expiresAt: new Date(Date.now() + config.BOOTSTRAP_PASSWORD_HOURS * 3_600_000) };
}

/**
 * Start-up seeding, run as the system actor "bootstrap" (creating the first admin is not audited:
 * there is nobody yet): the first administrator, when there is none. When the first admin exists
 * but has never replaced a generated first password, a start with BOOTSTRAP_ADMIN_PASSWORD sets
 * that one instead, and a start without it prints a fresh generated one once the old one expired:
 * the operator's way back in (README "First administrator").
 */
export async function ensureFirstAdmin(system: SystemActor, config: Env): Promise<CreatedLogin | null> {
  if (await anyUserHasRole(await getDb(), "admin")) return replaceUnusedFirstPassword(system, config);
  const credentials = await credentialsFor({ password: config.BOOTSTRAP_ADMIN_PASSWORD });
  const rule = firstPasswordRule(config);
  const outcome = await inTransaction(async (tx) => {
    // Another instance may have seeded it meanwhile.
    if (await anyUserHasRole(tx, "admin")) return null;
    return { password: await ensureUser(tx, { email: config.BOOTSTRAP_ADMIN_EMAIL, name: "Portal administrator", role: "admin" }, credentials, rule) };
  });
  if (!outcome) return null;
  if (!rule || !outcome.password) return { label: "First admin", email: config.BOOTSTRAP_ADMIN_EMAIL };
  return { label: "First admin", email: config.BOOTSTRAP_ADMIN_EMAIL, password: outcome.password, expiresAt: rule.expiresAt };
}

/** The way back in when the printed first password was lost or expired unused (see ensureFirstAdmin). */
async function replaceUnusedFirstPassword(system: SystemActor, config: Env): Promise<CreatedLogin | null> {
  const admin = await findUserByEmail(await getDb(), config.BOOTSTRAP_ADMIN_EMAIL);
  if (!admin || admin.role !== "admin" || !admin.mustChangePassword || !admin.passwordExpiresAt) return null;
  const operatorChose = Boolean(config.BOOTSTRAP_ADMIN_PASSWORD);
  // A printed password that still works stays: a restart alone must not print a new one.
  if (!operatorChose && admin.passwordExpiresAt.getTime() > Date.now()) return null;
  const credentials = await credentialsFor({ password: config.BOOTSTRAP_ADMIN_PASSWORD });
  const rule = firstPasswordRule(config);
  const replaced = await inTransaction(async (tx) => {
    const user = await replaceFirstPasswordRow(
      tx,
      admin.id,
      { passwordHash: credentials.passwordHash, mustChangePassword: Boolean(rule), passwordExpiresAt: rule?.expiresAt ?? null },
      { onlyIfExpired: !operatorChose },
    );
    if (!user) return false;
    // Whatever the old password opened (a reset link from a first sign-in) closes with it.
    await spendUnusedPasswordResetsOfUser(tx, user.id);
    await endEverySessionOfUser(tx, user.id);
    await recordAudit({ actor: system, action: "user.first_password_replaced", target: user.email, result: "success", detail: { by: operatorChose ? "BOOTSTRAP_ADMIN_PASSWORD" : "generated" } }, tx);
    return true;
  });
  if (!replaced) return null;
  if (!rule) return { label: "First admin (password from BOOTSTRAP_ADMIN_PASSWORD)", email: admin.email };
  return { label: "First admin (new first password: the old one expired unused)", email: admin.email, password: credentials.password, expiresAt: rule.expiresAt };
}

export const DEMO_ORGANISATION = { name: "Sunshine Family Clinic", submitterId: "000000050" };
export const DEMO_PARTNER_EMAIL = "partner@demo.example";
export const DEMO_SUPPORT_EMAIL = "support@demo.example";

/**
 * Demo mode start-up seeding, run as the system actor "bootstrap": an approved partner organisation
 * with one user, and a support user. Whatever is missing of the three is created in one transaction.
 */
export async function ensureDemoUsers(_system: SystemActor, config: Env): Promise<CreatedLogin[]> {
  const db = await getDb();
  const partnerCredentials = (await userExistsWithEmail(db, DEMO_PARTNER_EMAIL)) ? null : await credentialsFor({ password: config.DEMO_USER_PASSWORD });
  const supportCredentials = (await userExistsWithEmail(db, DEMO_SUPPORT_EMAIL)) ? null : await credentialsFor({ password: config.DEMO_USER_PASSWORD });
  const { partnerPassword, supportPassword } = await inTransaction(async (tx) => {
    const organisation =
      (await findOrganisationBySubmitterId(tx, DEMO_ORGANISATION.submitterId)) ??
      (await insertOrganisation(tx, {
        ...DEMO_ORGANISATION,
        status: "approved",
        decidedAt: new Date(),
        contactName: "Dana Demo",
        contactEmail: DEMO_PARTNER_EMAIL,
        contactPhone: "+1 555 0100",
      }));
    return {
      partnerPassword: partnerCredentials
        ? await ensureUser(tx, { email: DEMO_PARTNER_EMAIL, name: "Dana Demo", role: "partner", organisationId: organisation.id, isOrgAdmin: true }, partnerCredentials)
        : undefined,
      supportPassword: supportCredentials ? await ensureUser(tx, { email: DEMO_SUPPORT_EMAIL, name: "Sam Support", role: "support" }, supportCredentials) : undefined,
    };
  });
  const shown = (password: string | undefined) => (config.DEMO_USER_PASSWORD ? undefined : password);
  return [
    { label: "Demo partner", email: DEMO_PARTNER_EMAIL, password: shown(partnerPassword) },
    { label: "Demo support", email: DEMO_SUPPORT_EMAIL, password: shown(supportPassword) },
  ];
}

export function formatLogins(publicUrl: string, logins: CreatedLogin[]): string {
  const lines = [`Portal: ${publicUrl}`];
  for (const login of logins) {
    lines.push(
      login.password
        ? `${login.label}: ${login.email}  password: ${login.password}  (shown once: store it now${
            login.expiresAt ? `; it works until ${login.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC, and the first sign-in asks you to choose your own` : ""
          })`
        : `${login.label}: ${login.email}  (password set earlier or from the environment)`,
    );
  }
  if (logins.length) {
    lines.push(
      "Administrators and support staff must use two-factor sign-in: at their first sign-in, after the password, the portal shows a QR code and a key for an authenticator app (and recovery codes to keep). Partners can turn it on under Account.",
    );
  }
  return lines.join("\n");
}

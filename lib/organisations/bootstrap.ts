import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { inTransaction, type Executor } from "@/db/executor";
import { anyUserHasRole, insertUserUnlessEmailTaken, userExistsWithEmail } from "@/db/repositories/users";
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
  if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(48).toString("base64url"), { mode: 0o600, flag: "wx" });
  return fs.readFileSync(file, "utf8").trim();
}

export interface CreatedLogin {
  label: string;
  email: string;
  /** Present only when this start created the account: shown once, never stored in clear. */
  password?: string;
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
async function ensureUser(tx: Executor, spec: UserSpec, credentials: { password: string; passwordHash: string }): Promise<string | undefined> {
  const created = await insertUserUnlessEmailTaken(tx, {
    email: spec.email,
    name: spec.name,
    role: spec.role,
    organisationId: spec.organisationId ?? null,
    isOrgAdmin: spec.isOrgAdmin ?? false,
    passwordHash: credentials.passwordHash,
  });
  return created ? credentials.password : undefined;
}

/**
 * Start-up seeding, run as the system actor "bootstrap" (nothing is audited at start-up): the first
 * administrator, when there is none.
 */
export async function ensureFirstAdmin(_system: SystemActor, config: Env): Promise<CreatedLogin | null> {
  if (await anyUserHasRole(await getDb(), "admin")) return null;
  const credentials = await credentialsFor({ password: config.BOOTSTRAP_ADMIN_PASSWORD });
  const outcome = await inTransaction(async (tx) => {
    // Another instance may have seeded it meanwhile.
    if (await anyUserHasRole(tx, "admin")) return null;
    return { password: await ensureUser(tx, { email: config.BOOTSTRAP_ADMIN_EMAIL, name: "Portal administrator", role: "admin" }, credentials) };
  });
  if (!outcome) return null;
  return { label: "First admin", email: config.BOOTSTRAP_ADMIN_EMAIL, password: config.BOOTSTRAP_ADMIN_PASSWORD ? undefined : outcome.password };
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
        ? `${login.label}: ${login.email}  password: ${login.password}  (shown once: store it now)`
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

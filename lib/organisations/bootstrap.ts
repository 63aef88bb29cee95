import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { DatabaseHandle } from "@/db/client";
import { organisations, users } from "@/db/schema";
import { hashPassword } from "@/lib/auth/password";
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

async function ensureUser(
  handle: DatabaseHandle,
  spec: { email: string; name: string; role: "admin" | "support" | "partner"; organisationId?: string; isOrgAdmin?: boolean; password?: string },
): Promise<string | undefined> {
  const [existing] = await handle.db.select({ id: users.id }).from(users).where(eq(users.email, spec.email));
  if (existing) return undefined;
  const password = spec.password ?? generatePassword();
  await handle.db.insert(users).values({
    email: spec.email,
    name: spec.name,
    role: spec.role,
    organisationId: spec.organisationId ?? null,
    isOrgAdmin: spec.isOrgAdmin ?? false,
    passwordHash: await hashPassword(password),
    passwordChangedAt: new Date(),
  });
  return password;
}

export async function ensureFirstAdmin(handle: DatabaseHandle, config: Env): Promise<CreatedLogin | null> {
  const [anyAdmin] = await handle.db.select({ id: users.id }).from(users).where(eq(users.role, "admin")).limit(1);
  if (anyAdmin) return null;
  const password = await ensureUser(handle, {
    email: config.BOOTSTRAP_ADMIN_EMAIL,
    name: "Portal administrator",
    role: "admin",
    password: config.BOOTSTRAP_ADMIN_PASSWORD,
  });
  return { label: "First admin", email: config.BOOTSTRAP_ADMIN_EMAIL, password: config.BOOTSTRAP_ADMIN_PASSWORD ? undefined : password };
}

export const DEMO_ORGANISATION = { name: "Sunshine Family Clinic", submitterId: "000000050" };
export const DEMO_PARTNER_EMAIL = "partner@demo.example";
export const DEMO_SUPPORT_EMAIL = "support@demo.example";

/** Demo mode: an approved partner organisation with one user, and a support user. */
export async function ensureDemoUsers(handle: DatabaseHandle, config: Env): Promise<CreatedLogin[]> {
  let [organisation] = await handle.db.select().from(organisations).where(eq(organisations.submitterId, DEMO_ORGANISATION.submitterId));
  if (!organisation) {
    [organisation] = await handle.db
      .insert(organisations)
      .values({
        ...DEMO_ORGANISATION,
        status: "approved",
        decidedAt: new Date(),
        contactName: "Dana Demo",
        contactEmail: DEMO_PARTNER_EMAIL,
        contactPhone: "+1 555 0100",
      })
      .returning();
  }
  const partnerPassword = await ensureUser(handle, {
    email: DEMO_PARTNER_EMAIL,
    name: "Dana Demo",
    role: "partner",
    organisationId: organisation.id,
    isOrgAdmin: true,
    password: config.DEMO_USER_PASSWORD,
  });
  const supportPassword = await ensureUser(handle, {
    email: DEMO_SUPPORT_EMAIL,
    name: "Sam Support",
    role: "support",
    password: config.DEMO_USER_PASSWORD,
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

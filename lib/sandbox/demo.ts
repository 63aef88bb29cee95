import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import type { DatabaseHandle } from "@/db/client";
import { destinations, organisations, partnerAccounts, sshKeys, type NewDestination } from "@/db/schema";
import { revealSecret, storeSecret } from "@/lib/partner-accounts/credentials";
import { DEMO_ORGANISATION, generatePassword } from "@/lib/organisations/bootstrap";
import { generateRsaKeyPair } from "@/lib/keys";
import { logger } from "@/lib/logger";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";

/*
 * Demo mode: two payer stand-ins on loopback (an SFTP server that wants password then key, and an
 * explicit-FTPS server with a passive range), admin-defined destinations pointing at them, and the
 * demo organisation's accounts with credentials in the vault. The relay talks to them through the
 * exact production code path.
 */

const SANDBOX_USER = "sunshine";

export interface DemoSandbox {
  sftp: SandboxSftpServer;
  ftps: SandboxFtpsServer;
  close(): Promise<void>;
}

const controlKey = Symbol.for("edi-portal.demo-sandbox");
type GlobalWithSandbox = typeof globalThis & { [controlKey]?: DemoSandbox };

/** In demo mode, "installed on the payer's server" really installs the key on the sandbox payer. */
export function demoSandbox(): DemoSandbox | undefined {
  return (globalThis as GlobalWithSandbox)[controlKey];
}

function readOrCreate(file: string, create: () => string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, create(), { mode: 0o600, flag: "wx" });
  return fs.readFileSync(file, "utf8");
}

async function sandboxCertificates(dir: string): Promise<SandboxCertificates> {
  const file = path.join(dir, "certificates.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as SandboxCertificates;
  const generated = await generateSandboxCertificates();
  fs.writeFileSync(file, JSON.stringify(generated), { mode: 0o600 });
  return generated;
}

async function upsertDestination(handle: DatabaseHandle, preset: string, values: Omit<NewDestination, "preset">): Promise<string> {
  const [existing] = await handle.db.select({ id: destinations.id }).from(destinations).where(eq(destinations.preset, preset));
  if (existing) {
    // Ports change on every start; the pins are the sandbox's persistent key and certificate.
    await handle.db
      .update(destinations)
      .set({ host: values.host, port: values.port, hostKeyFingerprints: values.hostKeyFingerprints, tlsPins: values.tlsPins, passivePortMin: values.passivePortMin, passivePortMax: values.passivePortMax })
      .where(eq(destinations.id, existing.id));
    return existing.id;
  }
  const [created] = await handle.db.insert(destinations).values({ ...values, preset }).returning({ id: destinations.id });
  return created.id;
}

async function ensureAccount(handle: DatabaseHandle, organisationId: string, destinationId: string): Promise<{ id: string; password: string }> {
  let [account] = await handle.db
    .select()
    .from(partnerAccounts)
    .where(and(eq(partnerAccounts.organisationId, organisationId), eq(partnerAccounts.destinationId, destinationId)));
  if (!account) {
    [account] = await handle.db.insert(partnerAccounts).values({ organisationId, destinationId, username: SANDBOX_USER }).returning();
  }
  const owner = { kind: "partner_account" as const, id: account.id };
  let password = await revealSecret(owner, "upstream_password");
  if (!password) {
    password = generatePassword();
    await storeSecret(owner, "upstream_password", password, null);
  }
  return { id: account.id, password };
}

async function installedKeys(handle: DatabaseHandle, accountId: string, organisationId: string): Promise<string[]> {
  let keys = await handle.db.select().from(sshKeys).where(and(eq(sshKeys.partnerAccountId, accountId), eq(sshKeys.status, "installed")));
  if (keys.length === 0) {
    const pair = await generateRsaKeyPair(2048, `${SANDBOX_USER}@demo`);
    const [key] = await handle.db
      .insert(sshKeys)
      .values({
        organisationId,
        partnerAccountId: accountId,
        algorithm: "rsa",
        bits: pair.publicKey.bits,
        opensshPublic: pair.publicKey.openssh,
        sha256: pair.publicKey.sha256,
        md5: pair.publicKey.md5,
        comment: pair.publicKey.comment,
        source: "generated",
        hasPrivateKey: true,
        status: "installed",
        decidedAt: new Date(),
        decisionReason: "Installed on the demo sandbox at first start.",
      })
      .returning();
    await storeSecret({ kind: "ssh_key", id: key.id }, "private_key", pair.privateKeyPem, null);
    keys = [key];
  }
  return keys.map((k) => k.opensshPublic);
}

export async function startDemoSandbox(handle: DatabaseHandle, dataDir: string): Promise<DemoSandbox> {
  const dir = path.join(dataDir, "sandbox");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = readOrCreate(path.join(dir, "sftp-host-key.pem"), () =>
    crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  );
  const certificates = await sandboxCertificates(dir);
  const [organisation] = await handle.db.select().from(organisations).where(eq(organisations.submitterId, DEMO_ORGANISATION.submitterId));

  // Start the servers first (ports are known only then), with the accounts' current credentials.
  const sftpDestinationId = await upsertDestination(handle, "sandbox-sftp", {
    name: "Sandbox payer (SFTP, password + key)",
    protocol: "sftp",
    host: "127.0.0.1",
    port: 1,
    remoteDir: "/incoming",
    auth: "password_and_key",
    algorithmProfile: "legacy",
    hostKeyFingerprints: [],
    filenamePattern: "^S[A-Z0-9]+-[0-9]{8}-[0-9]{6}[PT]\\.TXT$",
    filenameExample: "S000000050A49-20121210-103412P.TXT",
    x12Policy: "block",
  });
  const ftpsDestinationId = await upsertDestination(handle, "sandbox-ftps", {
    name: "Sandbox clearinghouse (FTPS explicit)",
    protocol: "ftps_explicit",
    host: "127.0.0.1",
    port: 1,
    remoteDir: "/incoming",
    auth: "password",
    tlsMode: "pinned",
    tlsPins: [],
    upstreamRetentionDays: 14,
  });
  const sftpAccount = await ensureAccount(handle, organisation.id, sftpDestinationId);
  const ftpsAccount = await ensureAccount(handle, organisation.id, ftpsDestinationId);

  const sftp = await startSandboxSftpServer({
    rootDir: path.join(dir, "sftp-root"),
    hostKeys: [hostKey],
    users: [{ username: SANDBOX_USER, password: sftpAccount.password, publicKeys: await installedKeys(handle, sftpAccount.id, organisation.id) }],
  });
  fs.mkdirSync(path.join(dir, "ftps-root", "incoming"), { recursive: true });
  const passiveBase = 40_000 + crypto.randomInt(0, 200) * 50;
  const ftps = await startSandboxFtpsServer({
    rootDir: path.join(dir, "ftps-root"),
    mode: "explicit",
    users: [{ username: SANDBOX_USER, password: ftpsAccount.password }],
    certificate: certificates.wildcard,
    passivePortRange: { min: passiveBase, max: passiveBase + 49 },
  });

  await upsertDestination(handle, "sandbox-sftp", { name: "", protocol: "sftp", host: "127.0.0.1", port: sftp.port, auth: "password_and_key", hostKeyFingerprints: [sftp.hostKeyFingerprint] });
  await upsertDestination(handle, "sandbox-ftps", {
    name: "",
    protocol: "ftps_explicit",
    host: "127.0.0.1",
    port: ftps.port,
    auth: "password",
    tlsPins: [certificates.wildcard.sha256],
    passivePortMin: passiveBase,
    passivePortMax: passiveBase + 49,
  });

  const sandbox: DemoSandbox = {
    sftp,
    ftps,
    async close() {
      delete (globalThis as GlobalWithSandbox)[controlKey];
      await Promise.allSettled([sftp.close(), ftps.close()]);
    },
  };
  (globalThis as GlobalWithSandbox)[controlKey] = sandbox;
  logger.info("demo sandbox started", { sftpPort: sftp.port, ftpsPort: ftps.port });
  return sandbox;
}

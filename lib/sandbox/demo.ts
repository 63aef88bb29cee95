import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { DatabaseHandle } from "@/db/client";
import type { NewDestination } from "@/db/schema";
import { findAccountOnDestination, findDestinationIdByPreset, setResponseLocationIfUnset, updateDestinationEndpoint } from "@/db/repositories/demo-sandbox";
import { insertDestination } from "@/db/repositories/destinations";
import { findOrganisationBySubmitterId } from "@/db/repositories/organisations";
import { insertPartnerAccount } from "@/db/repositories/partner-accounts";
import { insertSshKey, listKeysOfAccount } from "@/db/repositories/ssh-keys";
import { revealSecret, storeSecret } from "@/lib/vault/secret-store";
import { DEMO_ORGANISATION, generatePassword } from "@/lib/organisations/bootstrap";
import { generateRsaKeyPair } from "@/lib/keys";
import { logger } from "@/lib/logger";
import { runtime } from "@/lib/runtime";
import { generateSandboxCertificates, type SandboxCertificates } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer, type SandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { startSandboxSftpServer, type SandboxSftpServer } from "@/lib/sandbox/sftp-server";
import type { SubmissionAnswerer } from "@/lib/sandbox/payer-responder";
import { seedDemoSubmissions } from "@/lib/sandbox/demo-submissions";
import { systemActor } from "@/lib/auth/actor";

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

/**
 * In demo mode, "installed on the payer's server" really installs the key on the sandbox payer: the
 * runtime's `sandbox`, started by lib/runtime/start.ts when DEMO is on (undefined otherwise).
 */
export function demoSandbox(): DemoSandbox | undefined {
  return runtime().sandbox;
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
  const existing = await findDestinationIdByPreset(handle.db, preset);
  if (existing) {
    // Ports change on every start; the pins are the sandbox's persistent key and certificate.
    await updateDestinationEndpoint(handle.db, existing, values);
    return existing;
  }
  return (await insertDestination(handle.db, { ...values, preset })).id;
}

/** The demo organisation's account on a sandbox destination, and its password (both made at first start, together). */
async function ensureAccount(handle: DatabaseHandle, organisationId: string, destinationId: string): Promise<{ id: string; password: string }> {
  return handle.db.transaction(async (tx) => {
    const account =
      (await findAccountOnDestination(tx, organisationId, destinationId)) ?? (await insertPartnerAccount(tx, { organisationId, destinationId, username: SANDBOX_USER }));
    const owner = { kind: "partner_account" as const, id: account.id };
    let password = await revealSecret(owner, "upstream_password", tx);
    if (!password) {
      password = generatePassword();
      await storeSecret(owner, "upstream_password", password, null, tx);
    }
    return { id: account.id, password };
  });
}

async function installedKeys(handle: DatabaseHandle, accountId: string, organisationId: string): Promise<string[]> {
  let keys = (await listKeysOfAccount(handle.db, accountId)).filter((key) => key.status === "installed");
  if (keys.length === 0) {
    const pair = await generateRsaKeyPair(2048, `${SANDBOX_USER}@demo`);
    // The key and its private half together, or neither.
    const key = await handle.db.transaction(async (tx) => {
      const inserted = await insertSshKey(tx, {
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
      });
      await storeSecret({ kind: "ssh_key", id: inserted.id }, "private_key", pair.privateKeyPem, null, tx);
      return inserted;
    });
    keys = [key];
  }
  return keys.map((k) => k.opensshPublic);
}

export async function startDemoSandbox(handle: DatabaseHandle, dataDir: string, options: { answerSubmission?: SubmissionAnswerer } = {}): Promise<DemoSandbox> {
  const dir = path.join(dataDir, "sandbox");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostKey = readOrCreate(path.join(dir, "sftp-host-key.pem"), () =>
    crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  );
  const certificates = await sandboxCertificates(dir);
  const organisation = await findOrganisationBySubmitterId(handle.db, DEMO_ORGANISATION.submitterId);
  if (!organisation) throw new Error("The demo organisation is missing: the demo users are created before the sandbox starts (server.ts).");

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
  // The sandbox payers answer every file in their /outbound a few seconds after it arrives; the
  // demo checks often so that the verdict shows while the newcomer is still looking.
  await setResponseLocationIfUnset(handle.db, sftpDestinationId, {
    responseDir: "/outbound",
    responsePattern: "\\.(TA1|999|277)$",
    responsePollSeconds: 15,
    responseAfterPickup: "move",
    responseMoveDir: "/outbound/archive",
    responseWaitHours: 24,
  });
  await setResponseLocationIfUnset(handle.db, ftpsDestinationId, {
    responseDir: "/outbound",
    responsePattern: null,
    responsePollSeconds: 15,
    responseAfterPickup: "delete",
    responseMoveDir: null,
    responseWaitHours: 24,
  });
  const sftpAccount = await ensureAccount(handle, organisation.id, sftpDestinationId);
  const ftpsAccount = await ensureAccount(handle, organisation.id, ftpsDestinationId);

  const sftp = await startSandboxSftpServer({
    rootDir: path.join(dir, "sftp-root"),
    hostKeys: [hostKey],
    users: [{ username: SANDBOX_USER, password: sftpAccount.password, publicKeys: await installedKeys(handle, sftpAccount.id, organisation.id) }],
    answerSubmission: options.answerSubmission,
  });
  fs.mkdirSync(path.join(dir, "ftps-root", "incoming"), { recursive: true });
  const passiveBase = 40_000 + crypto.randomInt(0, 200) * 50;
  const ftps = await startSandboxFtpsServer({
    rootDir: path.join(dir, "ftps-root"),
    mode: "explicit",
    users: [{ username: SANDBOX_USER, password: ftpsAccount.password }],
    certificate: certificates.wildcard,
    passivePortRange: { min: passiveBase, max: passiveBase + 49 },
    answerSubmission: options.answerSubmission,
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
      await Promise.allSettled([sftp.close(), ftps.close()]);
    },
  };
  logger.info("demo sandbox started", { sftpPort: sftp.port, ftpsPort: ftps.port });
  await seedDemoSubmissions(systemActor("bootstrap"), handle, { organisationId: organisation.id, accountId: sftpAccount.id, destinationId: sftpDestinationId, receiverId: "FLEDIPAYER" });
  return sandbox;
}

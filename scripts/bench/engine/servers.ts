/**
 * The four servers the benchmark relays to, each with a pinned DeliveryRequest skeleton for the
 * portal and the equivalent settings for the reference client (pinned host key / certificate too).
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { generateSandboxCertificates, type GeneratedCertificate } from "@/lib/sandbox/certificates";
import { startSandboxFtpsServer } from "@/lib/sandbox/ftps-server";
import { localSftpDestination } from "@/lib/sandbox/sftp-destination";
import { generateClientKeyPair } from "@/lib/sandbox/sftp-keys";
import { startSandboxSftpServer } from "@/lib/sandbox/sftp-server";
import type { DestinationSpec, UpstreamCredentials, ValidatedTarget } from "@/lib/transfers/types";
import { startRealSshd } from "@/test/support/sshd";
import { freePortRange, startVsftpd } from "@/test/support/vsftpd";
import type { CleanupStack } from "../shared/cleanup";
import type { SftpUploadTarget } from "../shared/openssh-sftp";
import { profileLabel, sftpOptionsFor, sshdConfigFor, type CipherProfile } from "./cipher-profiles";

export type SftpReferenceTarget = SftpUploadTarget & {
  kind: "sftp";
  /** More `-o` options for the client (the cipher profile's algorithms). */
  sshOptions?: string[];
};

export interface FtpsReferenceTarget {
  kind: "ftps";
  /** The certificate's name, resolved to `address` by curl --resolve (like the portal's ValidatedTarget). */
  host: string;
  address: string;
  port: number;
  username: string;
  password: string;
  caPath: string;
  /** curl --pinnedpubkey value for the same certificate the portal pins. */
  pinnedPublicKey: string;
  remoteDir: string;
}

export interface BenchServer {
  label: string;
  protocol: "SFTP" | "FTPS";
  destination: DestinationSpec;
  target: ValidatedTarget;
  credentials: UpstreamCredentials;
  /** The directory on this machine where delivered files land. */
  landingDir: string;
  reference: SftpReferenceTarget | FtpsReferenceTarget;
}

const FTPS_HOST = "ftps.sandbox.test";

/** The servers, in the order they are started and measured. */
export const BENCH_SERVER_KINDS = ["sshd", "sandbox-sftp", "vsftpd", "sandbox-ftps"] as const;
export type BenchServerKind = (typeof BENCH_SERVER_KINDS)[number];

/** `kinds` picks some of them (the sealing suite uses the real sshd and vsftpd only); all four by default. */
export async function startBenchServers(workDir: string, cleanup: CleanupStack, kinds: readonly BenchServerKind[] = BENCH_SERVER_KINDS): Promise<BenchServer[]> {
  const clientKey = generateClientKeyPair({ comment: "edi-portal-bench" });
  const keyPath = path.join(workDir, "client_key");
  await writeFile(keyPath, clientKey.privateKey, { mode: 0o600 });
  const certs = await generateSandboxCertificates();
  const caPath = path.join(workDir, "ca.pem");
  await writeFile(caPath, certs.ca.certPem);

  const servers: BenchServer[] = [];

  // --- OpenSSH sshd (password,publickey like the payers)
  if (kinds.includes("sshd")) {
    const sshd = await startRealSshd();
    cleanup.add("stop sshd", () => sshd.stop());
    await sshd.authorizeKey(clientKey.publicKey);
    servers.push(
      sftpServer({
        label: "OpenSSH sshd",
        server: sshd,
        remoteDir: sshd.incomingDir,
        landingDir: sshd.incomingDir,
        credentials: { username: sshd.username, password: sshd.password, privateKey: clientKey.privateKey },
        keyPath,
        knownHostsPath: await pinnedKnownHosts(workDir, "sshd", sshd, "ed25519"),
      }),
    );
  }

  // --- sandbox SFTP (ssh2 server)
  if (kinds.includes("sandbox-sftp")) {
    const sandboxSftpRoot = path.join(workDir, "sandbox-sftp");
    const sftpPassword = `Bench-${randomBytes(9).toString("base64url")}`;
    const sandboxSftp = await startSandboxSftpServer({
      rootDir: sandboxSftpRoot,
      users: [{ username: "partner", password: sftpPassword, publicKeys: [clientKey.publicKey] }],
    });
    cleanup.add("stop sandbox SFTP", () => sandboxSftp.close());
    servers.push(
      sftpServer({
        label: "sandbox SFTP (ssh2)",
        server: sandboxSftp,
        remoteDir: "/incoming",
        landingDir: path.join(sandboxSftpRoot, "incoming"),
        credentials: { username: "partner", password: sftpPassword, privateKey: clientKey.privateKey },
        keyPath,
        knownHostsPath: await pinnedKnownHosts(workDir, "sandbox", sandboxSftp, "rsa"),
      }),
    );
  }

  // --- vsftpd, explicit FTPS
  if (kinds.includes("vsftpd")) {
    const vsftpd = await startVsftpd({ mode: "explicit", certificate: certs.wildcard });
    cleanup.add("stop vsftpd", () => vsftpd.stop());
    servers.push(
      ftpsServer({
        label: "vsftpd",
        port: vsftpd.port,
        passivePortRange: vsftpd.passivePortRange,
        certificate: certs.wildcard,
        credentials: { username: vsftpd.username, password: vsftpd.password },
        landingDir: vsftpd.incomingDir,
        caPath,
      }),
    );
  }

  // --- sandbox FTPS (node:tls server), explicit
  if (kinds.includes("sandbox-ftps")) {
    const ftpsRoot = path.join(workDir, "sandbox-ftps");
    await mkdir(path.join(ftpsRoot, "incoming"), { recursive: true });
    const ftpsUser = { username: "partner01", password: `Bench-${randomBytes(9).toString("base64url")}` };
    const passivePortRange = await freePortRange(8);
    const sandboxFtps = await startSandboxFtpsServer({
      rootDir: ftpsRoot,
      mode: "explicit",
      users: [ftpsUser],
      certificate: certs.wildcard,
      passivePortRange,
    });
    cleanup.add("stop sandbox FTPS", () => sandboxFtps.close());
    servers.push(
      ftpsServer({
        label: "sandbox FTPS (node:tls)",
        port: sandboxFtps.port,
        passivePortRange,
        certificate: certs.wildcard,
        credentials: ftpsUser,
        landingDir: path.join(ftpsRoot, "incoming"),
        caPath,
      }),
    );
  }
  return servers;
}

export interface BenchClientKey {
  privateKey: string;
  publicKey: string;
  /** The private key on disk, for the reference client. */
  path: string;
}

export async function writeBenchClientKey(workDir: string): Promise<BenchClientKey> {
  const clientKey = generateClientKeyPair({ comment: "edi-portal-bench" });
  const keyPath = path.join(workDir, "client_key_pinned");
  await writeFile(keyPath, clientKey.privateKey, { mode: 0o600 });
  return { privateKey: clientKey.privateKey, publicKey: clientKey.publicKey, path: keyPath };
}

/**
 * A real sshd that allows only `profile`'s cipher, MAC and key exchange; the portal's destination
 * uses the algorithm profile that offers them, the reference client asks for exactly them. Stopped
 * by the returned function (each profile gets its own sshd, one at a time).
 */
export async function startCipherSshd(workDir: string, profile: CipherProfile, key: BenchClientKey): Promise<{ server: BenchServer; stop(): Promise<void> }> {
  const sshd = await startRealSshd({ extraConfig: sshdConfigFor(profile) });
  try {
    await sshd.authorizeKey(key.publicKey);
    const server = sftpServer({
      label: `OpenSSH sshd, ${profileLabel(profile)}`,
      server: sshd,
      remoteDir: sshd.incomingDir,
      landingDir: sshd.incomingDir,
      credentials: { username: sshd.username, password: sshd.password, privateKey: key.privateKey },
      keyPath: key.path,
      // ssh-keyscan cannot be told to offer a legacy cipher: the host key is read from sshd's own file.
      knownHostsPath: await knownHostsFromFile(workDir, `sshd-${profile.cipher}`, sshd),
    });
    server.destination = { ...server.destination, algorithmProfile: profile.portalProfile };
    if (server.reference.kind === "sftp") server.reference.sshOptions = sftpOptionsFor(profile);
    return { server, stop: () => sshd.stop() };
  } catch (error) {
    await sshd.stop();
    throw error;
  }
}

function sftpServer(options: {
  label: string;
  server: { host: string; port: number; hostKeyFingerprint: string };
  remoteDir: string;
  landingDir: string;
  credentials: UpstreamCredentials & { password: string };
  keyPath: string;
  knownHostsPath: string;
}): BenchServer {
  const { destination, target } = localSftpDestination(options.server, {
    id: `bench-${options.label}`,
    name: options.label,
    remoteDir: options.remoteDir,
    // A 256 MiB upload is one long stretch of writes; only a stall (no reply at all) should trip this.
    idleTimeoutMs: 60_000,
  });
  return {
    label: options.label,
    protocol: "SFTP",
    destination,
    target,
    credentials: options.credentials,
    landingDir: options.landingDir,
    reference: {
      kind: "sftp",
      address: target.address,
      port: target.port,
      username: options.credentials.username,
      password: options.credentials.password,
      keyPath: options.keyPath,
      knownHostsPath: options.knownHostsPath,
      remoteDir: options.remoteDir,
    },
  };
}

function ftpsServer(options: {
  label: string;
  port: number;
  passivePortRange: { min: number; max: number };
  certificate: GeneratedCertificate;
  credentials: { username: string; password: string };
  landingDir: string;
  caPath: string;
}): BenchServer {
  const destination: DestinationSpec = {
    id: `bench-${options.label}`,
    name: options.label,
    protocol: "ftps_explicit",
    host: FTPS_HOST,
    port: options.port,
    remoteDir: "/incoming",
    auth: "password",
    algorithmProfile: "modern",
    hostKeyFingerprints: [],
    tls: { mode: "pinned", certSha256: [options.certificate.sha256] },
    passivePortRange: options.passivePortRange,
    uploadStrategy: "temp_then_rename",
    tempSuffix: ".part",
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 60_000,
  };
  const target: ValidatedTarget = { host: FTPS_HOST, address: "127.0.0.1", port: options.port };
  return {
    label: options.label,
    protocol: "FTPS",
    destination,
    target,
    credentials: options.credentials,
    landingDir: options.landingDir,
    reference: {
      kind: "ftps",
      host: FTPS_HOST,
      address: target.address,
      port: options.port,
      username: options.credentials.username,
      password: options.credentials.password,
      caPath: options.caPath,
      pinnedPublicKey: `sha256//${spkiSha256(options.certificate.certPem)}`,
      remoteDir: "/incoming",
    },
  };
}

function spkiSha256(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

/** A known_hosts file holding the server's public key line, checked against the fingerprint the portal pins. */
async function knownHostsFromFile(workDir: string, name: string, server: { host: string; port: number; hostKeyFingerprint: string; hostPublicKey: string }): Promise<string> {
  const [type, blobBase64] = server.hostPublicKey.split(/\s+/);
  const fingerprint = `SHA256:${createHash("sha256").update(Buffer.from(blobBase64, "base64")).digest("base64").replace(/=+$/, "")}`;
  if (fingerprint !== server.hostKeyFingerprint) throw new Error(`${name}: host key file ${fingerprint} differs from the pinned ${server.hostKeyFingerprint}`);
  const knownHostsPath = path.join(workDir, `known_hosts_${name}`);
  await writeFile(knownHostsPath, `[${server.host}]:${server.port} ${type} ${blobBase64}\n`);
  return knownHostsPath;
}

/**
 * A known_hosts file for the reference client holding the server's key only after checking it
 * against the fingerprint the portal pins, so both clients trust exactly the same key.
 */
async function pinnedKnownHosts(
  workDir: string,
  name: string,
  server: { host: string; port: number; hostKeyFingerprint: string },
  keyType: "ed25519" | "rsa",
): Promise<string> {
  // Asynchronous on purpose: the sandbox servers live in this process and must keep answering.
  const { stdout: scanned } = await promisify(execFile)("ssh-keyscan", ["-T", "10", "-p", String(server.port), "-t", keyType, server.host], {
    encoding: "utf8",
  });
  const line = scanned.split("\n").find((l) => l.trim() && !l.startsWith("#"));
  if (!line) throw new Error(`ssh-keyscan found no ${keyType} host key on ${server.host}:${server.port}`);
  const blob = Buffer.from(line.trim().split(/\s+/)[2], "base64");
  const fingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
  if (fingerprint !== server.hostKeyFingerprint)
    throw new Error(`${name}: scanned host key ${fingerprint} differs from the pinned ${server.hostKeyFingerprint}`);
  const knownHostsPath = path.join(workDir, `known_hosts_${name}`);
  await writeFile(knownHostsPath, `${line.trim()}\n`);
  return knownHostsPath;
}

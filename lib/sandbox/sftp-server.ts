import { createHash, generateKeyPairSync, timingSafeEqual } from "node:crypto";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { Server, utils, type Algorithms, type AuthContext, type Connection, type ParsedKey } from "ssh2";
import { createPayerResponder, INCOMING_DIRECTORY, isSubmissionArrival, OUTBOUND_DIRECTORY, type SubmissionAnswerer } from "@/lib/sandbox/payer-responder";
import type { SandboxSftpFaults } from "@/lib/sandbox/sftp-faults";
import { serveFileOperations } from "@/lib/sandbox/sftp-file-ops";

export type { SandboxSftpFaults } from "@/lib/sandbox/sftp-faults";

export interface SandboxSftpUser {
  username: string;
  password: string;
  /** OpenSSH public key lines ("ssh-rsa AAAA... comment"). */
  publicKeys: string[];
  /** Defaults to the server's rootDir. */
  rootDir?: string;
}

export interface SandboxSftpServerOptions {
  rootDir: string;
  users: SandboxSftpUser[];
  /** PEM/OpenSSH private host keys; an RSA-2048 key (like the payer's) is generated if omitted. */
  hostKeys?: string[];
  port?: number;
  host?: string;
  /** Answer each submission in /incoming with a TA1, 999 and 277CA in /outbound, as payers do. Default true. */
  respond?: boolean;
  /** How long after a submission arrives its answers appear; 3000 ms by default. */
  responseDelayMs?: number;
  /** Where the answers are built: this thread by default (lib/sandbox/payer-responder.ts). */
  answerSubmission?: SubmissionAnswerer;
}

export interface SandboxSftpServer {
  host: string;
  port: number;
  /** "SHA256:..." of the normal host key. */
  hostKeyFingerprint: string;
  /** "SHA256:..." of the key presented under the alternateHostKey fault. */
  alternateHostKeyFingerprint: string;
  /** Replace the active faults (setFaults({}) clears them) and reset the failed-login counters. */
  setFaults(faults: SandboxSftpFaults): void;
  readonly faults: SandboxSftpFaults;
  /** Like a payer installing a partner's key: the user may log in with it from now on. */
  authorizeKey(username: string, opensshPublicKey: string): void;
  close(): Promise<void>;
}

const IDENT = "PayerSandbox_1.0";
const LOCK_BANNER = "Account locked: too many failed login attempts. Contact the EDI help desk.\r\n";

/**
 * ssh2's server cannot do DH group exchange (it has no safe-prime source), so the payer's
 * diffie-hellman-group-exchange-sha1 is replaced by the fixed-group SHA-1 exchanges.
 */
const LEGACY_ONLY: Algorithms = {
  kex: ["diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"],
  serverHostKey: ["ssh-rsa"],
  cipher: ["aes256-cbc", "3des-cbc", "aes128-cbc", "aes192-cbc"],
  hmac: ["hmac-md5", "hmac-sha1"],
  compress: ["zlib", "none"],
} as Algorithms;

const MODERN_AND_LEGACY: Algorithms = {
  kex: {
    remove: ["diffie-hellman-group-exchange-sha256"],
    append: ["diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1"],
  },
  cipher: { append: ["aes256-cbc", "aes192-cbc", "aes128-cbc", "3des-cbc"] },
  hmac: { append: ["hmac-md5"] },
} as Algorithms;

/**
 * A real SFTP server on ssh2, standing in for the payer: password THEN public key (partial success
 * after the password), legacy algorithms offered next to modern ones, files in a real directory,
 * and faults that can be switched on while it runs.
 */
export async function startSandboxSftpServer(options: SandboxSftpServerOptions): Promise<SandboxSftpServer> {
  const roots = new Set([options.rootDir, ...options.users.map((user) => user.rootDir ?? options.rootDir)]);
  for (const root of roots) {
    await mkdir(path.join(root, INCOMING_DIRECTORY), { recursive: true });
    await mkdir(path.join(root, OUTBOUND_DIRECTORY), { recursive: true });
  }
  const responder = options.respond === false ? null : createPayerResponder({ delayMs: options.responseDelayMs, answer: options.answerSubmission });
  const hostKey = options.hostKeys?.[0] ?? generateRsaPem();
  const alternateKey = generateRsaPem();
  const users = new Map(
    options.users.map((user) => [
      user.username,
      { ...user, keys: user.publicKeys.map(parsePublicKey), root: user.rootDir ?? options.rootDir },
    ]),
  );
  let faults: SandboxSftpFaults = {};
  const failures = new Map<string, number>();
  const sockets = new Map<number, net.Socket>();
  const variants = new Map<string, Server>();

  const isLocked = (username: string) =>
    faults.locked === true ||
    (faults.lockAfterFailures !== undefined && (failures.get(username) ?? 0) >= faults.lockAfterFailures);
  const anyLocked = () => faults.locked === true || [...failures.keys()].some(isLocked);

  const handleConnection = (client: Connection, remotePort: number) => {
    const socket = sockets.get(remotePort);
    let passwordAccepted = false;
    let account: string | undefined;
    let linkFreeAt = 0;
    client.on("error", () => {});
    client.on("authentication", (ctx: AuthContext) => {
      const user = users.get(ctx.username);
      if (isLocked(ctx.username)) {
        client.end();
        return;
      }
      if (ctx.method === "password") {
        if (user && sameSecret(ctx.password, user.password)) {
          passwordAccepted = true;
          return ctx.reject(["publickey"], true);
        }
        failures.set(ctx.username, (failures.get(ctx.username) ?? 0) + 1);
        return ctx.reject(["password"]);
      }
      if (ctx.method === "publickey" && passwordAccepted && user) {
        const key = user.keys.find((k) => k.getPublicSSH().equals(ctx.key.data));
        if (!key) return ctx.reject(["publickey"]);
        if (!ctx.signature || !ctx.blob) return ctx.accept(); // the client asks whether we would take this key
        if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(["publickey"]);
        account = ctx.username;
        return ctx.accept();
      }
      ctx.reject(passwordAccepted ? ["publickey"] : ["password"]);
    });
    client.on("ready", () => {
      const user = users.get(account ?? "");
      client.on("session", (acceptSession) => {
        const session = faults.channelWindowBytes ? acceptWithSmallWindow(client, acceptSession, faults.channelWindowBytes) : acceptSession();
        session.on("sftp", (acceptSftp) => {
          const root = user?.root ?? options.rootDir;
          serveFileOperations(acceptSftp(), {
            root,
            faults: () => faults,
            cutConnection: () => socket?.destroy(),
            throttle: async (bytes) => {
              const rate = faults.slowLinkBytesPerSecond;
              if (!rate) return;
              const now = Date.now();
              linkFreeAt = Math.max(now, linkFreeAt) + (bytes * 1000) / rate;
              // unref: a throttled write must not keep the process alive after the sandbox is closed.
              if (linkFreeAt > now) await new Promise((r) => setTimeout(r, linkFreeAt - now).unref());
            },
            onFileComplete: (virtualPath, realPath) => {
              if (responder && isSubmissionArrival(virtualPath)) responder.fileArrived(realPath, path.join(root, OUTBOUND_DIRECTORY));
            },
          });
        });
      });
    });
  };

  const variantFor = (): Server => {
    const key = `${faults.alternateHostKey ? "alt" : "main"}:${faults.legacyOnly ? "legacy" : "all"}:${anyLocked() ? "lock" : "open"}`;
    let server = variants.get(key);
    if (!server) {
      server = new Server({
        hostKeys: [faults.alternateHostKey ? alternateKey : hostKey],
        algorithms: faults.legacyOnly ? LEGACY_ONLY : MODERN_AND_LEGACY,
        ident: IDENT,
        banner: anyLocked() ? LOCK_BANNER : undefined,
      });
      server.on("connection", (client, info) => handleConnection(client, info.port));
      server.on("error", () => {});
      variants.set(key, server);
    }
    return server;
  };

  const tcp = net.createServer((socket) => {
    socket.setNoDelay(true);
    const port = socket.remotePort ?? -1;
    sockets.set(port, socket);
    socket.on("close", () => sockets.delete(port));
    socket.on("error", () => {});
    variantFor().injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = tcp.address() as net.AddressInfo;

  return {
    host: options.host ?? "127.0.0.1",
    port: address.port,
    hostKeyFingerprint: fingerprintOfPrivateKey(hostKey),
    alternateHostKeyFingerprint: fingerprintOfPrivateKey(alternateKey),
    get faults() {
      return { ...faults };
    },
    setFaults(next) {
      faults = { ...next };
      failures.clear();
    },
    authorizeKey(username, opensshPublicKey) {
      const user = users.get(username);
      if (!user) return;
      const key = parsePublicKey(opensshPublicKey);
      if (!user.keys.some((k) => k.getPublicSSH().equals(key.getPublicSSH()))) user.keys.push(key);
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const socket of sockets.values()) socket.destroy();
      await responder?.close();
      await closed;
    },
  };
}

function generateRsaPem(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

function parsePublicKey(line: string): ParsedKey {
  const parsed = utils.parseKey(line);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`Cannot parse public key: ${key instanceof Error ? key.message : "empty"}`);
  return key;
}

function fingerprintOfPrivateKey(pem: string): string {
  const blob = parsePublicKey(pem).getPublicSSH();
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * ssh2's server offers every channel a 2 MiB window and tops it up to 2 MiB; the channelWindowBytes
 * fault keeps it at `windowBytes`. The window is advertised in CHANNEL_OPEN_CONFIRMATION, tracked on
 * the session's channel record and topped up through CHANNEL_WINDOW_ADJUST, all inside ssh2, so all
 * three are set here, for this connection only.
 */
function acceptWithSmallWindow<T>(client: Connection, accept: () => T, windowBytes: number): T {
  type Protocol = {
    channelOpenConfirm(remote: number, local: number, window: number, packetSize: number): void;
    channelWindowAdjust(remote: number, amount: number): void;
  };
  const protocol = (client as unknown as { _protocol: Protocol })._protocol;
  const confirm = protocol.channelOpenConfirm;
  protocol.channelOpenConfirm = (remote, local, _window, packetSize) => confirm.call(protocol, remote, local, windowBytes, packetSize);
  let session: T;
  try {
    session = accept();
  } finally {
    protocol.channelOpenConfirm = confirm;
  }
  const info = (session as unknown as { _chanInfo?: { incoming: { window: number }; outgoing: { id: number } } })._chanInfo;
  if (!info) return session;
  info.incoming.window = windowBytes;
  const adjust = protocol.channelWindowAdjust;
  // ssh2 has already added `amount` (up to 2 MiB) to its record: offer the client only up to windowBytes.
  protocol.channelWindowAdjust = (remote, amount) => {
    if (remote !== info.outgoing.id) return adjust.call(protocol, remote, amount);
    const before = info.incoming.window - amount;
    info.incoming.window = Math.max(before, windowBytes);
    if (windowBytes > before) adjust.call(protocol, remote, windowBytes - before);
  };
  return session;
}

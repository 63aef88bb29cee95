import "server-only";

/* Small pieces of the connection phase: naming failures before SSH is up, and credential checks. */
import { utils } from "ssh2";
import { TransferError } from "@/lib/transfers/errors";
import type { DestinationSpec, UpstreamCredentials } from "@/lib/transfers/types";
import { LEGACY_ADDITIONS } from "@/lib/sftp/algorithms";

export function describeMac(mac: string | undefined, cipher: string | undefined): string | undefined {
  if (mac && mac !== "<implicit>") return mac;
  if (cipher && /gcm|chacha20-poly1305/.test(cipher)) return `implicit (${cipher})`;
  return mac;
}

export function wouldLegacyHelp(serverList: string[] | undefined): boolean {
  const legacy = new Set<string>(Object.values(LEGACY_ADDITIONS).flat());
  return !!serverList?.some((a) => legacy.has(a));
}

export function classifyNoBanner(firstBytes: string, error?: Error): TransferError {
  const firstLine = firstBytes.split(/\r?\n/)[0]?.slice(0, 120) ?? "";
  if (/^\d{3}[ -]/.test(firstLine))
    return new TransferError("PROTOCOL_MISMATCH", "The server answered like an FTP server, not SFTP.", { detail: `Server said: ${firstLine}` });
  if (firstBytes.length > 0 && (firstBytes.charCodeAt(0) === 0x15 || firstBytes.charCodeAt(0) === 0x16))
    return new TransferError("PROTOCOL_MISMATCH", "The server answered with TLS (FTPS?), not SSH.", { detail: "TLS record received" });
  if ((error as { level?: string } | undefined)?.level === "client-timeout")
    return new TransferError("TIMEOUT_IDLE", "The server accepted the connection but never sent an SSH ident.", {
      detail: firstLine ? `Server said: ${firstLine}` : "no data received",
    });
  return new TransferError("CONNECTION_LOST", "The server closed the connection before sending an SSH ident.", {
    detail: firstLine ? `Server said: ${firstLine}` : error?.message ?? "no data received",
  });
}

export function checkPrivateKeyReadable(destination: DestinationSpec, credentials: UpstreamCredentials): void {
  if (destination.auth === "password" || !credentials.privateKey) return;
  const parsed = utils.parseKey(credentials.privateKey, credentials.passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || !key?.isPrivateKey())
    throw new TransferError(
      "CREDENTIALS_MISSING",
      "The stored private key could not be read (wrong passphrase or unsupported format).",
    );
}

import type { Destination } from "@/db/schema";
import type { DestinationSpec } from "@/lib/transfers/types";
import type { DestinationForm } from "@/lib/destinations/form-schema";

/** The engine's view of a destination row. */
export function toDestinationSpec(row: Destination): DestinationSpec {
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol,
    host: row.host,
    port: row.port,
    remoteDir: row.remoteDir,
    auth: row.auth,
    algorithmProfile: row.algorithmProfile,
    hostKeyFingerprints: row.hostKeyFingerprints,
    tls: row.tlsMode === "pinned" ? { mode: "pinned", certSha256: row.tlsPins } : { mode: "ca", caPem: row.tlsCaPem ?? undefined },
    passivePortRange: row.passivePortMin && row.passivePortMax ? { min: row.passivePortMin, max: row.passivePortMax } : undefined,
    uploadStrategy: row.uploadStrategy,
    tempSuffix: row.tempSuffix,
    connectTimeoutMs: row.connectTimeoutMs,
    idleTimeoutMs: row.idleTimeoutMs,
  };
}

/** Form values → columns (pins are not part of the form). */
export function formToColumns(form: DestinationForm) {
  return {
    name: form.name,
    protocol: form.protocol,
    host: form.host.toLowerCase(),
    port: form.port,
    remoteDir: form.remoteDir,
    auth: form.protocol === "sftp" ? form.auth : ("password" as const),
    keyBitsMode: form.keyBitsMode,
    keyBits: form.keyBits,
    keyRotationDays: form.keyRotationDays,
    algorithmProfile: form.algorithmProfile,
    tlsMode: form.tlsMode,
    tlsCaPem: form.tlsCaPem || null,
    passivePortMin: form.passivePortMin ?? null,
    passivePortMax: form.passivePortMax ?? null,
    filenamePattern: form.filenamePattern || null,
    filenameExample: form.filenameExample || null,
    maxFileBytes: form.maxFileMiB * 1024 * 1024,
    upstreamRetentionDays: form.upstreamRetentionDays ?? null,
    uploadStrategy: form.uploadStrategy,
    tempSuffix: form.tempSuffix,
    x12Policy: form.x12Policy,
    relayConcurrency: form.relayConcurrency,
    // Payer responses: an empty folder means the answers are not collected.
    responseDir: form.responseDir || null,
    responsePattern: form.responsePattern || null,
    responsePollSeconds: form.responsePollSeconds,
    responseAfterPickup: form.responseAfterPickup,
    responseMoveDir: form.responseAfterPickup === "move" ? form.responseMoveDir || null : null,
    responseWaitHours: form.responseWaitHours,
  };
}

export function columnsToForm(row: Destination): Record<string, string> {
  return {
    name: row.name,
    protocol: row.protocol,
    host: row.host,
    port: String(row.port),
    remoteDir: row.remoteDir,
    auth: row.auth,
    keyBitsMode: row.keyBitsMode,
    keyBits: String(row.keyBits),
    keyRotationDays: String(row.keyRotationDays),
    algorithmProfile: row.algorithmProfile,
    tlsMode: row.tlsMode,
    tlsCaPem: row.tlsCaPem ?? "",
    passivePortMin: row.passivePortMin ? String(row.passivePortMin) : "",
    passivePortMax: row.passivePortMax ? String(row.passivePortMax) : "",
    filenamePattern: row.filenamePattern ?? "",
    filenameExample: row.filenameExample ?? "",
    maxFileMiB: String(Math.round(row.maxFileBytes / 1024 / 1024)),
    upstreamRetentionDays: row.upstreamRetentionDays ? String(row.upstreamRetentionDays) : "",
    uploadStrategy: row.uploadStrategy,
    tempSuffix: row.tempSuffix,
    x12Policy: row.x12Policy,
    relayConcurrency: String(row.relayConcurrency),
    responseDir: row.responseDir ?? "",
    responsePattern: row.responsePattern ?? "",
    responsePollSeconds: String(row.responsePollSeconds),
    responseAfterPickup: row.responseAfterPickup,
    responseMoveDir: row.responseMoveDir ?? "",
    responseWaitHours: String(row.responseWaitHours),
  };
}

export const LEGACY_ALGORITHMS = [
  "diffie-hellman-group-exchange-sha1",
  "diffie-hellman-group1-sha1",
  "aes256-cbc",
  "aes128-cbc",
  "3des-cbc",
  "hmac-md5",
  "hmac-sha1",
  "ssh-rsa",
];

export const protocolLabel = { sftp: "SFTP (SSH)", ftps_explicit: "FTPS explicit (AUTH TLS)", ftps_implicit: "FTPS implicit" } as const;

/** Shared builders for the FTPS tests (not a test file itself). */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Transcript } from "@/lib/transfers/transcript";
import type { DeliveryRequest, DestinationSpec, TlsPolicy, ValidatedTarget } from "@/lib/transfers/types";
import { TransferError } from "@/lib/transfers/errors";

export function ftpsDestination(options: {
  mode: "explicit" | "implicit";
  port: number;
  tls: TlsPolicy;
  passivePortRange?: { min: number; max: number };
  remoteDir?: string;
  uploadStrategy?: DestinationSpec["uploadStrategy"];
}): DestinationSpec {
  return {
    id: "dest-ftps",
    name: "Sandbox FTPS payer",
    protocol: options.mode === "explicit" ? "ftps_explicit" : "ftps_implicit",
    host: "ftps.sandbox.test",
    port: options.port,
    remoteDir: options.remoteDir ?? "/",
    auth: "password",
    algorithmProfile: "modern",
    hostKeyFingerprints: [],
    tls: options.tls,
    passivePortRange: options.passivePortRange,
    uploadStrategy: options.uploadStrategy ?? "temp_then_rename",
    tempSuffix: ".part",
    connectTimeoutMs: 3000,
    idleTimeoutMs: 5000,
  };
}

export function loopbackTarget(port: number, host = "ftps.sandbox.test"): ValidatedTarget {
  return { host, address: "127.0.0.1", port };
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A local file of random bytes (random so a resumed upload that misplaces bytes is caught). */
export async function randomFile(dir: string, name: string, size: number): Promise<{ path: string; content: Buffer }> {
  const content = randomBytes(size);
  const file = path.join(dir, name);
  await writeFile(file, content);
  return { path: file, content };
}

export function deliveryRequest(
  destination: DestinationSpec,
  target: ValidatedTarget,
  credentials: { username: string; password: string },
  localPath: string,
  remoteName: string,
  extra: Partial<DeliveryRequest> = {},
): DeliveryRequest {
  return { destination, target, credentials, localPath, remoteName, transcript: new Transcript(), ...extra };
}

/** Await a promise that must fail with a TransferError, and return the error. */
export async function transferFailure(promise: Promise<unknown>): Promise<TransferError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TransferError) return error;
    throw new Error(`expected a TransferError, got: ${String(error)}`, { cause: error });
  }
  throw new Error("expected the operation to fail, it succeeded");
}

import "server-only";
import { rm } from "node:fs/promises";
import path from "node:path";
import { openStagedFile } from "@/lib/sealed-files/reader";
import { pickupOverFtps, settleOverFtps } from "@/lib/ftps/pickup";
import { pickupViaSftp, settleViaSftp } from "@/lib/sftp/pickup";
import { TransferError } from "@/lib/transfers/errors";
import { parseResponseFile } from "@/lib/x12/parse-response";
import type { PickupRequest, PickupResult, PickupResultWithParsed, SettleRequest, SettleResult } from "@/lib/responses/types";

/**
 * Picking up payer responses, run inside a protocol worker thread (lib/workers/tasks.ts): the
 * portal validated the address (ValidatedTarget) and connects there, never to the name again.
 */
export function pickupInThisThread(request: PickupRequest): Promise<PickupResult> {
  return request.destination.protocol === "sftp" ? pickupViaSftp(request) : pickupOverFtps(request);
}

/** Pickup, then read every downloaded file here in the thread: X12 parsing is CPU work the pages must not wait for. */
export async function pickupAndParseInThisThread(request: PickupRequest): Promise<PickupResultWithParsed> {
  return parsePickedUpFiles(await pickupInThisThread(request), request.stagingRoot);
}

/**
 * Reads each staged file. A file that cannot be read back from the staging store fails the whole
 * pickup, and every file of it is removed: the portal never holds a file it has not recorded, and
 * the next poll fetches them again.
 */
export async function parsePickedUpFiles(result: PickupResult, stagingRoot: string): Promise<PickupResultWithParsed> {
  const files = result.downloaded.map((file) => ({ file, localPath: path.join(stagingRoot, file.stagingKey) }));
  try {
    const downloaded = [];
    for (const { file, localPath } of files) {
      const staged = await openStagedFile(localPath, file.fileKey);
      try {
        downloaded.push({ ...file, parsed: await parseResponseFile(staged.stream({ blockBytes: 256 * 1024 })) });
      } finally {
        await staged.close();
      }
    }
    return { ...result, downloaded };
  } catch (cause) {
    await Promise.all(files.map(({ localPath }) => rm(localPath, { force: true }).catch(() => undefined)));
    throw new TransferError("UNKNOWN", "The portal could not read back a response file it had just stored.", {
      detail: (cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message,
      cause,
    });
  }
}

/**
 * The after-pickup action for files the portal has recorded. "leave" (or nothing to settle) needs
 * no connection at all.
 */
export async function settleInThisThread(request: SettleRequest): Promise<SettleResult> {
  const { location, names } = request;
  if (location.afterPickup === "leave" || names.length === 0) return { settled: names.map((name) => ({ name, outcome: "left" as const })) };
  if (location.afterPickup === "move" && !location.moveDir) {
    throw new TransferError("REMOTE_DIR_NOT_FOUND", "No archive folder is configured for moving picked-up files.");
  }
  return request.destination.protocol === "sftp" ? settleViaSftp(request) : settleOverFtps(request);
}

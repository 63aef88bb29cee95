import "server-only";
import type { Executor } from "@/db/executor";
import { shredFileKey } from "@/lib/transfers/staging/file-keys";
import { removeStagedFile } from "@/lib/transfers/staging/files";

/**
 * A staged file is gone: its data key is destroyed first (crypto-shredding: any copy of the bytes
 * becomes unreadable), then the bytes are removed. Inside a use case's transaction pass `executor`,
 * so the key goes with the row change that released the file. Returns whether the bytes existed.
 */
export async function discardStagedFile(stagingKey: string, executor?: Executor): Promise<boolean> {
  await shredFileKey(stagingKey, executor);
  return removeStagedFile(stagingKey);
}

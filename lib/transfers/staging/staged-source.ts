import { Transform } from "node:stream";
import { openStagedFile, type StagedFileReader } from "@/lib/sealed-files/reader";
import { SealedFileError } from "@/lib/sealed-files/format";
import { TransferError } from "@/lib/transfers/errors";

/*
 * The staged file as the relay reads it (on a protocol thread): its plaintext, decrypted segment by
 * segment, with the sealed format's failures turned into the relay's codes. A damaged, reordered or
 * cut-short file stops the delivery (STAGED_FILE_DAMAGED, not retried) before any altered byte is
 * handed to the payer: each segment is authenticated before its bytes leave the reader.
 */

export function stagedFileFailure(error: unknown): unknown {
  if (error instanceof TransferError) return error;
  if (error instanceof SealedFileError) {
    if (error.problem === "key_missing") return new TransferError("LOCAL_FILE_MISSING", error.message, { detail: "the file's key was destroyed" });
    return new TransferError("STAGED_FILE_DAMAGED", error.message, { detail: error.problem });
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT" || code === "EISDIR") return new TransferError("LOCAL_FILE_MISSING", "The staged file is no longer on the portal.", { cause: error });
  return error;
}

export async function openStagedSource(path: string, key: Uint8Array | null | undefined): Promise<StagedFileReader> {
  let reader: StagedFileReader;
  try {
    reader = await openStagedFile(path, key ?? null);
  } catch (error) {
    throw stagedFileFailure(error);
  }
  return {
    size: reader.size,
    sealed: reader.sealed,
    read: (buffer, offset, length, position) =>
      reader.read(buffer, offset, length, position).catch((error: unknown) => {
        throw stagedFileFailure(error);
      }),
    readSync: (buffer, offset, length, position) => {
      try {
        return reader.readSync(buffer, offset, length, position);
      } catch (error) {
        throw stagedFileFailure(error);
      }
    },
    stream: (options) => {
      const mapped = new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) });
      const source = reader.stream(options);
      source.on("error", (error) => mapped.destroy(stagedFileFailure(error) as Error));
      mapped.on("close", () => source.destroy());
      return source.pipe(mapped);
    },
    close: () => reader.close(),
  };
}

/**
 * Reads the whole file once, authenticating every segment, before a byte is sent: for uploads that
 * write the final name directly (no temporary name to leave a bad copy under), a damaged file must
 * be found before the payer sees any of it.
 */
export async function verifyStagedSource(reader: StagedFileReader): Promise<void> {
  if (!reader.sealed) return;
  const block = Buffer.allocUnsafe(1024 * 1024);
  for (let position = 0; position < reader.size; ) {
    const { bytesRead } = await reader.read(block, 0, Math.min(block.length, reader.size - position), position);
    if (bytesRead === 0) break;
    position += bytesRead;
  }
  block.fill(0);
}

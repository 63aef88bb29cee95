import "server-only";
import type { NewSubmissionReference } from "@/db/repositories/submission-references";
import { readSubmissionReferencesOffThread } from "@/lib/workers/calls";

/**
 * The control numbers of a staged submission (ISA13, GS06, ST02, BHT03, CLM01), which the payer's
 * acknowledgements will point back with. Read on a worker thread: an 837 of 100 MB is seconds of
 * parsing that must not run on the event loop serving pages and uploads.
 */
export function readSubmissionReferences(stagedFile: { path: string; key: Buffer | null }): Promise<NewSubmissionReference[]> {
  return readSubmissionReferencesOffThread(stagedFile.path, stagedFile.key);
}

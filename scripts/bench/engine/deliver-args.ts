import type { DeliverArgs } from "@/lib/workers/tasks";
import type { ConcurrentRelayJob } from "./relay-protocol";

/** The `deliver` task's arguments for one of a bench job's relays, as lib/workers/calls.ts builds them for the portal's. */
export function deliverArgs(job: Omit<ConcurrentRelayJob, "remoteNames">, remoteName: string): DeliverArgs {
  return {
    destination: job.destination,
    target: job.target,
    credentials: job.credentials,
    localPath: job.localPath,
    // As the relay's attempt passes it: the protocol code decrypts the sealed file as it sends.
    localFileKey: job.localFileKey ? Buffer.from(job.localFileKey, "base64") : null,
    remoteName,
    secrets: [job.credentials.password, job.credentials.passphrase, job.credentials.privateKey].filter((s): s is string => !!s),
  };
}

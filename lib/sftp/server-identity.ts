import "server-only";
import type { Transcript } from "@/lib/transfers/transcript";
import type { DestinationSpec, ServerIdentity, ValidatedTarget } from "@/lib/transfers/types";
import { IdentityCaptured, openSftpSession } from "@/lib/sftp/session";

/**
 * Connect with the destination's algorithm profile (so we see the key delivery will see),
 * capture the host key and the server ident, and disconnect before authenticating.
 */
export async function fetchSftpServerIdentity(
  destination: DestinationSpec,
  target: ValidatedTarget,
  transcript: Transcript,
): Promise<ServerIdentity> {
  try {
    const session = await openSftpSession(destination, target, { username: "identity-check" }, transcript, {}, {
      identityOnly: true,
    });
    // Unreachable: identity-only sessions always stop at the host key.
    await session.close();
    throw new Error("identity-only session unexpectedly authenticated");
  } catch (error) {
    if (!(error instanceof IdentityCaptured)) throw error;
    transcript.add("close", ">", "Disconnected before authentication");
    return {
      kind: "ssh-host-key",
      algorithm: error.hostKey.algorithm,
      sha256: error.hostKey.sha256,
      md5: error.hostKey.md5,
      banner: error.negotiated.serverBanner,
    };
  }
}

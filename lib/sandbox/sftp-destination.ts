import type { DestinationSpec, ValidatedTarget } from "@/lib/transfers/types";

/** A destination pointing at a local test server (sandbox or real sshd), pinned to its host key. */
export function localSftpDestination(
  server: { host: string; port: number; hostKeyFingerprint: string },
  overrides: Partial<DestinationSpec> = {},
): { destination: DestinationSpec; target: ValidatedTarget } {
  const destination: DestinationSpec = {
    id: "sandbox-sftp",
    name: "Payer sandbox (SFTP)",
    protocol: "sftp",
    host: server.host,
    port: server.port,
    remoteDir: "/incoming",
    auth: "password_and_key",
    algorithmProfile: "modern",
    hostKeyFingerprints: [server.hostKeyFingerprint],
    tls: { mode: "ca" },
    uploadStrategy: "temp_then_rename",
    tempSuffix: ".part",
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 15_000,
    ...overrides,
  };
  return { destination, target: { host: destination.host, address: server.host, port: destination.port } };
}

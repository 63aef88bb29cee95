import type { LegacyAlgorithms } from "@/lib/guides/client-setup/types";

/**
 * The older algorithms a legacy payer negotiates (the GlobalSCAPE-era server in our seed log:
 * group-exchange SHA-1, ssh-rsa, aes256-cbc, hmac-md5). A client enables them in addition to its
 * defaults, so a server that can do better still gets the better choice.
 */
export const LEGACY_CLIENT_ALGORITHMS: LegacyAlgorithms = {
  kex: ["diffie-hellman-group-exchange-sha1"],
  hostKey: ["ssh-rsa"],
  publicKeySignature: ["ssh-rsa"],
  ciphers: ["aes256-cbc"],
  macs: ["hmac-md5"],
};

/** OpenSSH `-o` options that append the legacy algorithms ("+" keeps the defaults). */
export function opensshLegacyOptions(algorithms: LegacyAlgorithms = LEGACY_CLIENT_ALGORITHMS): string[] {
  return [
    `HostKeyAlgorithms=+${algorithms.hostKey.join(",")}`,
    `PubkeyAcceptedAlgorithms=+${algorithms.publicKeySignature.join(",")}`,
    `KexAlgorithms=+${algorithms.kex.join(",")}`,
    `Ciphers=+${algorithms.ciphers.join(",")}`,
    `MACs=+${algorithms.macs.join(",")}`,
  ];
}

import "server-only";
import type { Algorithms } from "ssh2";
import type { AlgorithmProfile } from "@/lib/transfers/types";

/**
 * What the legacy profile adds, taken from the payers' own session logs (GlobalSCAPE:
 * DH group-exchange SHA-1, CBC ciphers, HMAC-MD5, ssh-rsa). They go after the modern ones so a
 * server that can do better still negotiates the modern choice.
 */
export const LEGACY_ADDITIONS = {
  kex: ["diffie-hellman-group-exchange-sha1", "diffie-hellman-group1-sha1"],
  cipher: ["aes256-cbc", "aes128-cbc", "3des-cbc"],
  hmac: ["hmac-md5", "hmac-sha1"],
  serverHostKey: ["ssh-rsa"],
} as const;

/** ssh2's defaults still carry SHA-1 signatures and MACs; the modern profile drops them. */
const MODERN_REMOVALS = {
  hmac: ["hmac-sha1", "hmac-sha1-etm@openssh.com"],
  serverHostKey: ["ssh-rsa"],
} as const;

export function algorithmsForProfile(profile: AlgorithmProfile): Algorithms {
  if (profile === "modern") {
    return {
      hmac: { remove: [...MODERN_REMOVALS.hmac] },
      serverHostKey: { remove: [...MODERN_REMOVALS.serverHostKey] },
    } as Algorithms;
  }
  return {
    kex: { append: [...LEGACY_ADDITIONS.kex] },
    cipher: { append: [...LEGACY_ADDITIONS.cipher] },
    // ssh2 applies keys in order: drop the SHA-1 ETM variant, then append the legacy MACs at the end.
    hmac: { remove: ["hmac-sha1-etm@openssh.com", "hmac-sha1"], append: [...LEGACY_ADDITIONS.hmac] },
    serverHostKey: { remove: ["ssh-rsa"], append: [...LEGACY_ADDITIONS.serverHostKey] },
  } as Algorithms;
}

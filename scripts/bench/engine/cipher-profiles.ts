/**
 * The SSH cipher (and MAC) pairs the engine suite compares the portal and OpenSSH's sftp on. For each
 * one a fresh sshd allows only that cipher, MAC and key exchange, and the sftp client asks for exactly
 * them too, so both clients must negotiate the same algorithms; the report names what each side
 * actually negotiated and the run fails if either differs.
 */
import type { AlgorithmProfile } from "@/lib/transfers/types";

export interface CipherProfile {
  cipher: string;
  /** Only for ciphers without their own authentication (not the AEAD ones). */
  mac?: string;
  /** The portal's algorithm profile that offers the cipher (the legacy one adds CBC and HMAC-MD5). */
  portalProfile: AlgorithmProfile;
}

/** The same key exchange on both sides: handshakes are a small part of a large file, but still alike. */
export const PINNED_KEX = "curve25519-sha256";

export const CIPHER_PROFILES: CipherProfile[] = [
  { cipher: "aes128-gcm@openssh.com", portalProfile: "modern" },
  { cipher: "aes256-gcm@openssh.com", portalProfile: "modern" },
  { cipher: "chacha20-poly1305@openssh.com", portalProfile: "modern" },
  { cipher: "aes256-ctr", mac: "hmac-sha2-256-etm@openssh.com", portalProfile: "modern" },
  { cipher: "aes256-cbc", mac: "hmac-md5", portalProfile: "legacy" },
];

export const profileLabel = (profile: CipherProfile) => (profile.mac ? `${profile.cipher} + ${profile.mac}` : profile.cipher);

/**
 * sshd_config lines allowing only this profile's algorithms. MaxStartups: sshd drops unauthenticated
 * connections beyond 10 at random by default, and the concurrency comparison opens 16 at once.
 */
export function sshdConfigFor(profile: CipherProfile): string[] {
  return [`Ciphers ${profile.cipher}`, ...(profile.mac ? [`MACs ${profile.mac}`] : []), `KexAlgorithms ${PINNED_KEX}`, "MaxStartups 100"];
}

/** `-o` options asking OpenSSH's client for exactly this profile's algorithms. */
export function sftpOptionsFor(profile: CipherProfile): string[] {
  return ["-o", `Ciphers=${profile.cipher}`, ...(profile.mac ? ["-o", `MACs=${profile.mac}`] : []), "-o", `KexAlgorithms=${PINNED_KEX}`];
}

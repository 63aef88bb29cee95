import { KeyError } from "./errors";

export type KeyPolicy = { algorithm: "rsa"; bits: { exact: number } | { min: number } };

/** Below this no policy can go: 1024-bit RSA is factorable by well-funded attackers. */
export const ABSOLUTE_MIN_RSA_BITS = 2048;

/** The seeds' payer (GlobalSCAPE) takes exactly RSA-2048. */
export const RSA_2048_EXACT: KeyPolicy = { algorithm: "rsa", bits: { exact: 2048 } };

export function describePolicy(policy: KeyPolicy): string {
  return "exact" in policy.bits
    ? `an RSA key of exactly ${policy.bits.exact} bits`
    : `an RSA key of at least ${Math.max(policy.bits.min, ABSOLUTE_MIN_RSA_BITS)} bits`;
}

const generateHint = (bits: number) =>
  `Use the portal's key generator, or create one with: ssh-keygen -t rsa -b ${bits} (PuTTYgen: choose RSA, ${bits} bits).`;

function suggestedBits(policy: KeyPolicy): number {
  return "exact" in policy.bits ? policy.bits.exact : Math.max(policy.bits.min, ABSOLUTE_MIN_RSA_BITS);
}

/** Throws KEY_NOT_RSA; under a policy, the message names the key type and the bits the destination wants. */
export function rejectNonRsa(keyTypeLabel: string, policy?: KeyPolicy): never {
  if (!policy) throw new KeyError("KEY_NOT_RSA");
  throw new KeyError(
    "KEY_NOT_RSA",
    `This is ${keyTypeLabel} key, but this destination requires ${describePolicy(policy)}. ${generateHint(suggestedBits(policy))}`,
  );
}

export function enforceRsaPolicy(bits: number, policy: KeyPolicy): void {
  if (policy.algorithm !== "rsa") throw new Error(`Unsupported key policy algorithm: ${String(policy.algorithm)}`);
  const wanted = describePolicy(policy);
  const hint = generateHint(suggestedBits(policy));
  if ("exact" in policy.bits) {
    if (bits < Math.max(policy.bits.exact, ABSOLUTE_MIN_RSA_BITS)) {
      throw new KeyError("KEY_TOO_SMALL", `This RSA key has ${bits} bits; this destination requires ${wanted}. ${hint}`);
    }
    if (bits !== policy.bits.exact) {
      throw new KeyError(
        "KEY_SIZE_NOT_ALLOWED",
        `This RSA key has ${bits} bits; this destination accepts only ${wanted}. ${hint}`,
      );
    }
    return;
  }
  if (bits < Math.max(policy.bits.min, ABSOLUTE_MIN_RSA_BITS)) {
    throw new KeyError("KEY_TOO_SMALL", `This RSA key has ${bits} bits; this destination requires ${wanted}. ${hint}`);
  }
}

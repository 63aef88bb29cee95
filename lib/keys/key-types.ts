/** Human names for non-RSA key types, so a KEY_NOT_RSA message can say what the partner actually has. */

const SSH_TYPE_LABELS: Record<string, string> = {
  "ssh-dss": "a DSA",
  "ssh-ed25519": "an Ed25519",
  "ssh-ed448": "an Ed448",
  "ecdsa-sha2-nistp256": "an ECDSA",
  "ecdsa-sha2-nistp384": "an ECDSA",
  "ecdsa-sha2-nistp521": "an ECDSA",
  "sk-ssh-ed25519@openssh.com": "a security-key (FIDO) Ed25519",
  "sk-ecdsa-sha2-nistp256@openssh.com": "a security-key (FIDO) ECDSA",
};

/** Key types of node:crypto's KeyObject.asymmetricKeyType. */
const NODE_TYPE_LABELS: Record<string, string> = {
  dsa: "a DSA",
  ec: "an ECDSA",
  ed25519: "an Ed25519",
  ed448: "an Ed448",
  x25519: "an X25519",
  x448: "an X448",
  dh: "a Diffie-Hellman",
};

/** Labels of traditional PEM blocks that are keys, but not RSA keys. */
const PEM_LABELS: Record<string, string> = {
  "DSA PRIVATE KEY": "a DSA",
  "EC PRIVATE KEY": "an ECDSA",
  "DSA PUBLIC KEY": "a DSA",
};

export const isKnownSshKeyType = (t: string) => t === "ssh-rsa" || t in SSH_TYPE_LABELS;
export const sshTypeLabel = (t: string) => SSH_TYPE_LABELS[t];
export const nodeTypeLabel = (t: string | undefined) => (t ? NODE_TYPE_LABELS[t] : undefined);
export const pemLabelKeyType = (label: string) => PEM_LABELS[label];

import { TEST_PASSWORD } from "@/test/support/factories";

/** Valid values for the other fields, so validation passes and the id is what decides. */
export const SAMPLE_VALUES: Record<string, string> = {
  currentPassword: TEST_PASSWORD,
  upstreamPassword: "a password the payer issued",
  passphrase: "a long enough passphrase 42",
  publicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== placeholder",
  privateKey: "-----BEGIN RSA PRIVATE KEY-----\nplaceholder\n-----END RSA PRIVATE KEY-----",
  reason: "Not the key the payer has on file.",
  decision: "send",
  disabled: "true",
  email: "someone@example.com",
  name: "Cross-organisation probe",
  role: "admin",
  fingerprint: "SHA256:0123456789abcdefghijklmnopqrstuvwxyzABCDEFG",
  remoteName: "TEST.TXT",
  bits: "2048",
  url: "https://93.184.215.14/hooks/probe",
  eventDelivered: "on",
};

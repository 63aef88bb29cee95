import { fingerprintText, type SetupFacts } from "@/lib/guides/client-setup/facts";
import type { ClientInstructions, SettingField } from "@/lib/guides/client-setup/types";

export function winScpInstructions(facts: SetupFacts): ClientInstructions {
  const { destination } = facts;
  const isSftp = destination.protocol === "sftp";
  const fields: SettingField[] = [{ label: "Login > File protocol", value: isSftp ? "SFTP" : "FTP" }];
  if (!isSftp) {
    fields.push({
      label: "Login > Encryption",
      value: destination.protocol === "ftps_explicit" ? "TLS/SSL Explicit encryption" : "TLS/SSL Implicit encryption",
    });
  }
  fields.push(
    { label: "Login > Host name", value: destination.host },
    { label: "Login > Port number", value: String(destination.port) },
    { label: "Login > User name", value: facts.username, note: "No spaces before or after." },
    facts.usesPassword
      ? { label: "Login > Password", value: "Your password for this payer", note: "Case-sensitive." }
      : { label: "Login > Password", value: "(leave empty)" },
  );
  if (isSftp && facts.usesKey) {
    fields.push({
      label: "Advanced... > SSH > Authentication > Private key file",
      value: "Your RSA private key in .ppk format",
      note: "If you pick an OpenSSH key, WinSCP offers to convert it to .ppk; save the converted file somewhere private.",
    });
  }
  if (!isSftp) {
    fields.push({ label: "Advanced... > Connection > Passive mode", value: "On" });
  }
  fields.push({ label: "Advanced... > Environment > Directories > Remote directory", value: destination.remoteDir });

  if (isSftp && facts.legacy) {
    fields.push(
      {
        label: "Advanced... > SSH > Key exchange > Key exchange algorithm selection policy",
        value: "Move \"Diffie-Hellman group exchange\" above the \"-- warn below here --\" line",
        note: "The payer negotiates diffie-hellman-group-exchange-sha1.",
      },
      {
        label: "Advanced... > SSH > Encryption options > Encryption cipher selection policy",
        value: "Keep \"AES (SSH-2 only)\" above the \"-- warn below here --\" line",
        note: "This entry covers aes256-cbc, which the payer uses.",
      },
      {
        label: "Advanced... > SSH > Host keys > Host key algorithm selection policy",
        value: "Keep \"RSA\" above the \"-- warn below here --\" line",
        note: "The payer's host key is ssh-rsa.",
      },
    );
  }

  const steps: string[] = [];
  if (isSftp) {
    steps.push(
      `On the first connection WinSCP shows the server's host key with its SHA-256 fingerprint. Continue only if it is ${fingerprintText(facts.hostKeyFingerprints, "the fingerprint support or the payer confirmed (none is pinned in the portal yet)")}.`,
    );
    if (destination.auth === "password_and_key") {
      steps.push("WinSCP asks for the password and uses the key file in the same login; a \"partial success\" message in the log is expected between the two.");
    }
  } else {
    steps.push(
      `If WinSCP cannot verify the certificate it shows its details. Compare the SHA-256 fingerprint with ${fingerprintText(facts.certificateFingerprints, "the fingerprint the payer publishes")} before accepting.`,
    );
  }
  return { client: "WinSCP", fields, steps };
}

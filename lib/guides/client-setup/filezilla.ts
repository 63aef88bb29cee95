import { fingerprintText, type SetupFacts } from "@/lib/guides/client-setup/facts";
import type { ClientInstructions, SettingField } from "@/lib/guides/client-setup/types";

const NOT_PINNED = "not pinned in the portal yet: ask support for the confirmed fingerprint before accepting";

export function fileZillaInstructions(facts: SetupFacts): ClientInstructions {
  const { destination } = facts;
  const isSftp = destination.protocol === "sftp";
  const fields: SettingField[] = [
    {
      label: "File > Site Manager > New site > General > Protocol",
      value: isSftp ? "SFTP - SSH File Transfer Protocol" : "FTP - File Transfer Protocol",
    },
  ];
  if (!isSftp) {
    fields.push({
      label: "General > Encryption",
      value: destination.protocol === "ftps_explicit" ? "Require explicit FTP over TLS" : "Require implicit FTP over TLS",
      note: "Never choose \"Only use plain FTP\" or \"Use explicit FTP over TLS if available\": both can send your password unencrypted.",
    });
  }
  fields.push({ label: "General > Host", value: destination.host }, { label: "General > Port", value: String(destination.port) });

  if (isSftp && destination.auth === "key") {
    fields.push(
      { label: "General > Logon Type", value: "Key file" },
      { label: "General > User", value: facts.username },
      { label: "General > Key file", value: "Your RSA private key file", note: "FileZilla offers to convert an OpenSSH key to its .ppk format; accept and keep the converted copy private." },
    );
  } else {
    fields.push(
      { label: "General > Logon Type", value: "Normal", note: "Or \"Ask for password\" if you do not want FileZilla to store the password." },
      { label: "General > User", value: facts.username, note: "Type it without spaces before or after." },
      { label: "General > Password", value: "Your password for this payer", note: "Case-sensitive." },
    );
  }
  if (isSftp && destination.auth === "password_and_key") {
    fields.push({
      label: "Edit > Settings > Connection > SFTP > Add key file...",
      value: "Your RSA private key file",
      note: "FileZilla offers the keys listed here during login and uses the site's password for the password step.",
    });
  }
  if (!isSftp) {
    fields.push({ label: "Transfer Settings > Transfer mode", value: "Passive" });
  }
  fields.push({ label: "Advanced > Default remote directory", value: destination.remoteDir });

  const steps: string[] = [];
  if (isSftp) {
    steps.push(
      `On the first connection FileZilla shows the server's host key fingerprint. Accept it only if it is ${fingerprintText(facts.hostKeyFingerprints, NOT_PINNED)}.`,
    );
    if (facts.legacy) {
      steps.push(
        "This payer only offers older SSH algorithms. FileZilla has no setting for algorithm lists; if it reports that no common algorithm was found, use WinSCP or OpenSSH with the settings below.",
      );
    }
  } else {
    steps.push(
      `On the first connection FileZilla may show \"Unknown certificate\", also for valid wildcard certificates. Compare the SHA-256 fingerprint with ${fingerprintText(facts.certificateFingerprints, "the fingerprint the payer publishes")} and check that the host name is covered; only then choose to always trust it.`,
    );
  }
  return { client: "FileZilla", fields, steps };
}

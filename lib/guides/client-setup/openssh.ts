import type { SetupFacts } from "@/lib/guides/client-setup/facts";
import { opensshLegacyOptions } from "@/lib/guides/client-setup/legacy";
import { bracketHost, shQuote } from "@/lib/guides/client-setup/shell";
import type { CommandExample, KnownHostsCheck } from "@/lib/guides/client-setup/types";

/** The `-o` options and flags for OpenSSH's sftp, in the order a reader expects them. */
export function opensshArguments(facts: SetupFacts): string[] {
  const { destination } = facts;
  const args = ["-P", String(destination.port)];
  if (facts.usesKey) args.push("-i", facts.privateKeyFile, "-o", "IdentitiesOnly=yes");
  else args.push("-o", "PubkeyAuthentication=no");
  args.push("-o", `UserKnownHostsFile=${facts.knownHostsFile}`, "-o", "StrictHostKeyChecking=ask");
  if (facts.legacy) for (const option of opensshLegacyOptions()) args.push("-o", option);
  return args;
}

function target(facts: SetupFacts): string {
  const host = bracketHost(facts.destination.host);
  const dir = facts.destination.remoteDir;
  return `${shQuote(facts.username)}@${host}${dir ? `:${shQuote(dir)}` : ""}`;
}

export function opensshCommands(facts: SetupFacts): CommandExample[] {
  const args = opensshArguments(facts).map(shQuote).join(" ");
  const commands: CommandExample[] = [
    {
      tool: "sftp",
      purpose: facts.legacy
        ? "Connect with OpenSSH's sftp. The -o options ending in \"+...\" add the payer's older algorithms to OpenSSH's defaults for this connection only."
        : "Connect with OpenSSH's sftp; it starts in the upload folder. Type put followed by the file name to upload.",
      command: `sftp ${args} ${target(facts)}`,
    },
    {
      tool: "sftp",
      purpose: facts.usesPassword
        ? "Scripted upload: sftp reads its commands from the pipe and asks for the password on the terminal. (sftp -b would switch on batch mode, which forbids password prompts.)"
        : "Scripted upload: sftp reads its commands from the pipe; the key logs in without a prompt (unless the key has a passphrase).",
      command: `printf 'put CLAIMS.txt\\n' | sftp ${args} ${target(facts)}`,
    },
  ];
  if (facts.usesKey) {
    commands.push({
      tool: "ssh-keygen",
      purpose: "Show the fingerprint of your private key's public half; the payer must have installed the key with this fingerprint.",
      command: `ssh-keygen -lf ${facts.privateKeyFile}`,
    });
  }
  return commands;
}

/**
 * known_hosts stores the server's whole public key, and the portal only pins its fingerprint, so we
 * cannot print a ready line. Instead: a dedicated file, filled on first connection, and a command
 * that prints what was stored so it can be compared with the pin.
 */
export function knownHostsCheck(facts: SetupFacts): KnownHostsCheck {
  const { destination } = facts;
  const host = destination.host;
  const hostPattern = destination.port === 22 ? host : `[${host}]:${destination.port}`;
  const keyType = facts.legacy ? "ssh-rsa" : "<key-type>";
  const expected = facts.hostKeyFingerprints;
  return {
    hostPattern,
    lineTemplate: `${hostPattern} ${keyType} AAAA...(the server's public key)`,
    expectedFingerprints: expected,
    knownHostsFile: facts.knownHostsFile,
    verifyCommand: `ssh-keygen -l -F ${shQuote(hostPattern)} -f ${facts.knownHostsFile}`,
    explanation: [
      `The first connection with the command above asks whether to trust the server and shows its key fingerprint.`,
      expected.length
        ? `Answer yes only if it is exactly ${expected.join(" or ")}, the fingerprint the portal pins for this payer.`
        : "No fingerprint is pinned in the portal for this payer yet; ask support for the confirmed value before answering yes.",
      `OpenSSH then stores one line for ${hostPattern} in ${facts.knownHostsFile}. The verify command prints that stored line with its SHA256 fingerprint; it must match the pin, and every later connection is checked against it.`,
    ].join(" "),
  };
}

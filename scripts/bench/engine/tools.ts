import { assertPrerequisites, isRoot, missingTools, type RequiredTool } from "../shared/tools";

/** Programs the engine suite runs, with the Debian package that provides each. */
const REQUIRED_TOOLS: RequiredTool[] = [
  { path: "/usr/sbin/sshd", debianPackage: "openssh-server", why: "the real SFTP server" },
  { path: "/usr/bin/sftp", debianPackage: "openssh-client", why: "the reference SFTP client" },
  { path: "/usr/bin/ssh-keyscan", debianPackage: "openssh-client", why: "pinning the host key for the reference client" },
  { path: "/usr/bin/ssh-keygen", debianPackage: "openssh-client", why: "host key fingerprints" },
  { path: "/usr/bin/sshpass", debianPackage: "sshpass", why: "giving the password to the reference sftp client" },
  { path: "/usr/sbin/vsftpd", debianPackage: "vsftpd", why: "the real FTPS server" },
  { path: "/usr/bin/curl", debianPackage: "curl", why: "the reference FTPS client" },
  { path: "/usr/bin/lftp", debianPackage: "lftp", why: "the second reference FTPS client" },
  { path: "/usr/bin/openssl", debianPackage: "openssl", why: "generating the FTPS certificates" },
];

export function assertToolsPresent(): void {
  const problems = missingTools(REQUIRED_TOOLS);
  if (!isRoot()) problems.push("  - must run as root: the real sshd and vsftpd need local accounts and privileged setup");
  assertPrerequisites("bench: cannot run, missing prerequisites:", problems);
}

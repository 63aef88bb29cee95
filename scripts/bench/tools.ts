import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { BenchSetupError } from "./config";

/** Programs the benchmark runs, with the Debian package that provides each. */
const REQUIRED_TOOLS: Array<{ path: string; debianPackage: string; why: string }> = [
  { path: "/usr/sbin/sshd", debianPackage: "openssh-server", why: "the real SFTP server" },
  { path: "/usr/bin/sftp", debianPackage: "openssh-client", why: "the reference SFTP client" },
  { path: "/usr/bin/ssh-keyscan", debianPackage: "openssh-client", why: "pinning the host key for the reference client" },
  { path: "/usr/bin/ssh-keygen", debianPackage: "openssh-client", why: "host key fingerprints" },
  { path: "/usr/bin/sshpass", debianPackage: "sshpass", why: "giving the password to the reference sftp client" },
  { path: "/usr/sbin/vsftpd", debianPackage: "vsftpd", why: "the real FTPS server" },
  { path: "/usr/bin/curl", debianPackage: "curl", why: "the reference FTPS client" },
  { path: "/usr/bin/openssl", debianPackage: "openssl", why: "generating the FTPS certificates" },
];

/** Fail early, with one message naming every missing piece, instead of half-way through a run. */
export function assertToolsPresent(): void {
  const missing = REQUIRED_TOOLS.filter((tool) => !existsSync(tool.path));
  const problems = missing.map((tool) => `  - ${tool.path} (${tool.why}): apt-get install -y ${tool.debianPackage}`);
  if (process.getuid?.() !== 0) problems.push("  - must run as root: the real sshd and vsftpd need local accounts and privileged setup");
  if (problems.length > 0) throw new BenchSetupError(`bench: cannot run, missing prerequisites:\n${problems.join("\n")}`);
}

/** Installed version of a Debian package, or "?" (for the report's machine facts). */
export function debianPackageVersion(name: string): string {
  try {
    return execFileSync("dpkg-query", ["-W", "-f", "${Version}", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || "?";
  } catch {
    return "?";
  }
}

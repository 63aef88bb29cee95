/** The programs and privileges a suite needs, checked before anything starts; package versions for the reports. */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { BenchSetupError } from "./errors";

/** A program a suite runs, with the Debian package that provides it. */
export interface RequiredTool {
  path: string;
  debianPackage: string;
  why: string;
}

/** One problem line per missing program, naming the package to install. */
export function missingTools(tools: RequiredTool[]): string[] {
  return tools.filter((tool) => !existsSync(tool.path)).map((tool) => `  - ${tool.path} (${tool.why}): apt-get install -y ${tool.debianPackage}`);
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Fail early, with one message naming every missing piece, instead of half-way through a run. */
export function assertPrerequisites(heading: string, problems: string[]): void {
  if (problems.length > 0) throw new BenchSetupError(`${heading}\n${problems.join("\n")}`);
}

/** Installed version of a Debian package, or "?" (for the reports' machine facts). */
export function debianPackageVersion(name: string): string {
  try {
    return execFileSync("dpkg-query", ["-W", "-f", "${Version}", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || "?";
  } catch {
    return "?";
  }
}

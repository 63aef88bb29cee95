import "server-only";
import path from "node:path";

/** Resolve an FTP path against the session's directory, inside the sandbox root: ".." cannot escape. */
export function resolveVirtual(cwd: string, argument: string): string {
  return path.posix.normalize(path.posix.resolve(cwd, argument || "."));
}

export function toLocal(rootDir: string, virtualPath: string): string {
  return path.join(rootDir, ...virtualPath.split("/").filter(Boolean));
}

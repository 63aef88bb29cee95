import { realpath } from "node:fs/promises";
import path from "node:path";

export class OutsideRootError extends Error {
  constructor(virtualPath: string) {
    super(`Path outside the account's root: ${virtualPath}`);
  }
}

/** The client's view: "/" is the account root, relative paths start there too. */
export function normalizeVirtualPath(virtualPath: string): string {
  return path.posix.resolve("/", virtualPath || ".");
}

/**
 * Map a client path to a real path under root. ".." cannot climb above "/" after normalizing;
 * symlinks could, so the nearest existing ancestor's real path must still be inside the root.
 */
export async function resolveInsideRoot(root: string, virtualPath: string): Promise<string> {
  const normalized = normalizeVirtualPath(virtualPath);
  const candidate = path.join(root, normalized);
  const realRoot = await realpath(root);
  let probe = candidate;
  for (;;) {
    try {
      const real = await realpath(probe);
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new OutsideRootError(virtualPath);
      return candidate;
    } catch (error) {
      if (error instanceof OutsideRootError) throw error;
      const parent = path.dirname(probe);
      if (parent === probe) throw new OutsideRootError(virtualPath);
      probe = parent;
    }
  }
}

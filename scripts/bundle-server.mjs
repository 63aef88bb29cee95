/**
 * Compiles the custom server (server.ts and the lib/ and db/ code it imports) into one CommonJS
 * file, so production runs on plain Node: no TypeScript loader thread or esbuild service at run
 * time, which the benchmark measured at about 100 MB of resident memory. Packages stay external and
 * load from node_modules, exactly as under tsx.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SERVER_BUNDLE = path.join(root, ".next", "portal-server", "server.cjs");
/** Worker threads (lib/workers) load this file next to the server bundle. */
const THREAD_BUNDLE_NAME = "worker-thread.cjs";
/** The embedded database server (db/embedded/server.ts): db/embedded/launch.ts forks this file next to the server bundle. */
const DATABASE_BUNDLE_NAME = "embedded-database.cjs";

/**
 * How every portal bundle is compiled: one CommonJS file per entry, packages external. The engine
 * benchmark compiles its portal helper processes the same way (scripts/bench/shared/portal-bundle.ts),
 * so what it measures is the code production runs.
 */
export const bundleOptions = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  packages: "external",
  sourcemap: true,
  tsconfig: path.join(root, "tsconfig.json"),
  // Outside the React Server Components bundler, every module is server code.
  alias: { "server-only": path.join(root, "scripts", "empty-module.cjs") },
  logLevel: "warning",
};

/** Defines for an entry that starts worker threads: they load THREAD_BUNDLE_NAME from the entry's own directory. */
export const threadBundleDefine = { __PORTAL_THREAD_BUNDLE__: JSON.stringify(THREAD_BUNDLE_NAME) };

/** The worker threads' entry (lib/workers/thread-entry.ts), compiled into `directory`. */
export async function bundleThreadEntry(directory) {
  await build({
    ...bundleOptions,
    entryPoints: [path.join(root, "lib", "workers", "thread-entry.ts")],
    outfile: path.join(directory, THREAD_BUNDLE_NAME),
  });
}

export async function bundleServer() {
  await build({
    ...bundleOptions,
    entryPoints: [path.join(root, "server.ts")],
    outfile: SERVER_BUNDLE,
    define: { ...threadBundleDefine, __PORTAL_DATABASE_BUNDLE__: JSON.stringify(DATABASE_BUNDLE_NAME) },
  });
  await bundleThreadEntry(path.dirname(SERVER_BUNDLE));
  await build({
    ...bundleOptions,
    entryPoints: [path.join(root, "db", "embedded", "server.ts")],
    outfile: path.join(path.dirname(SERVER_BUNDLE), DATABASE_BUNDLE_NAME),
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleServer();
  console.log(`Server bundle written to ${path.relative(root, SERVER_BUNDLE)}`);
}

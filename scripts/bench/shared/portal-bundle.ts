import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { REPO_ROOT } from "./paths";

/** Where the compiled helpers go: beside the production bundle, ignored by git with the rest of .next. */
const BUNDLE_DIR = path.join(REPO_ROOT, ".next", "bench-portal");

interface ServerBundler {
  bundleOptions: Record<string, unknown>;
  threadBundleDefine: Record<string, string>;
  bundleThreadEntry(directory: string): Promise<void>;
}

const bundled = new Map<string, Promise<string>>();

/**
 * A helper process that runs portal code, compiled as production runs it: `npm run build` bundles
 * the server and the worker threads' entry into CommonJS (scripts/bundle-server.mjs) and `npm start`
 * runs them on plain Node. Under tsx the process and each of its worker threads would carry a
 * TypeScript loader (its own thread and the compiled sources' maps, tens of MiB of resident memory
 * the portal does not have) and a measurement of the portal's memory would count it. The helper and
 * the thread entry it starts are compiled with bundle-server.mjs's own options, once per benchmark
 * run; returns the compiled script, which runChild starts with plain node.
 */
export function bundledPortalHelper(script: string): Promise<string> {
  let done = bundled.get(script);
  if (!done) {
    done = compile(script);
    bundled.set(script, done);
  }
  return done;
}

async function compile(script: string): Promise<string> {
  const bundler = (await import(pathToFileURL(path.join(REPO_ROOT, "scripts", "bundle-server.mjs")).href)) as ServerBundler;
  const outfile = path.join(BUNDLE_DIR, `${path.basename(script, path.extname(script))}.cjs`);
  await build({ ...bundler.bundleOptions, entryPoints: [script], outfile, define: bundler.threadBundleDefine });
  await bundler.bundleThreadEntry(BUNDLE_DIR);
  return outfile;
}

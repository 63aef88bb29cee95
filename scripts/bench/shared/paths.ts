import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
/** Makes `import "server-only"` an empty module outside Next.js (scripts/server-only-shim.cjs). */
export const SERVER_ONLY_SHIM = path.join(REPO_ROOT, "scripts", "server-only-shim.cjs");
/** Where every suite writes its report (shared/report-file.ts). */
export const REPORT_PATH = path.join(REPO_ROOT, "docs", "benchmarks.md");

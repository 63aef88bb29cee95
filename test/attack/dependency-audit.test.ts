import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * scripts/audit-dependencies.sh (run by .ci/run) against an `npm` that answers like the real one
 * does in each situation: what it asked npm, and whether CI passes.
 */
const root = path.resolve(__dirname, "../..");
const stubDir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-stub-"));
afterAll(() => fs.rmSync(stubDir, { recursive: true, force: true }));

function runAudit(npmOutput: string, npmStatus: number) {
  const argsFile = path.join(stubDir, "args");
  fs.writeFileSync(path.join(stubDir, "output"), npmOutput);
  fs.writeFileSync(path.join(stubDir, "npm"), `#!/bin/sh\necho "$@" > "${argsFile}"\ncat "${path.join(stubDir, "output")}"\nexit ${npmStatus}\n`, { mode: 0o755 });
  const result = spawnSync("bash", [path.join(root, "scripts/audit-dependencies.sh")], { env: { ...process.env, PATH: `${stubDir}:${process.env.PATH}` }, encoding: "utf8" });
  return { status: result.status, output: result.stdout + result.stderr, args: fs.readFileSync(argsFile, "utf8").trim() };
}

describe("dependency audit in CI", () => {
  it("runs exactly npm audit --omit=dev --audit-level=high, from .ci/run", () => {
    expect(runAudit("found 0 vulnerabilities\n", 0)).toMatchObject({ status: 0, args: "audit --omit=dev --audit-level=high" });
    expect(fs.readFileSync(path.join(root, ".ci/run"), "utf8")).toContain("bash scripts/audit-dependencies.sh");
  });

  it("fails on a high or critical advisory in a runtime dependency", () => {
    const report = "# npm audit report\n\nsomepkg  <1.2.3\nSeverity: critical\nfix available via `npm audit fix`\n\n1 critical severity vulnerability\n";
    const result = runAudit(report, 1);
    expect(result.status).toBe(1);
    expect(result.output).toContain("1 critical severity vulnerability");
  });

  it("skips, saying why, only when the advisory endpoint cannot be reached", () => {
    const unreachable = "npm warn audit request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org\nnpm error audit endpoint returned an error\n";
    const result = runAudit(unreachable, 1);
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/npm audit SKIPPED: the registry's advisory endpoint is unreachable from this machine \(request to .* EAI_AGAIN/);
  });

  it("fails on any other error, e.g. a missing lock file", () => {
    const result = runAudit("npm error code ENOLOCK\nnpm error audit This command requires an existing lockfile.\n", 1);
    expect(result.status).toBe(1);
  });
});

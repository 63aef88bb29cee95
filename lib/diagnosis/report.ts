import "server-only";
import { scrubDeep, scrubText } from "@/lib/diagnosis/secrets";
import type { DiagnosisResult, DiagnosisStage } from "@/lib/diagnosis/types";

export interface DiagnosisReportContext {
  portalVersion: string;
  /** The fixed addresses the relay connects from: what the payer must allow. */
  egressIps: string[];
  /** Which partner account ran the test (a label, never a credential). */
  accountLabel: string;
}

export interface DiagnosisReport {
  /** Plain text for pasting into a support ticket or an e-mail to the payer. */
  text: string;
  /** The same report as pretty-printed JSON. */
  json: string;
}

const STATUS_MARK: Record<DiagnosisStage["status"], string> = {
  passed: "PASS",
  warning: "WARN",
  failed: "FAIL",
  skipped: "SKIP",
};

/**
 * A copyable report of one diagnosis: stages with codes and timings, negotiated algorithms and
 * the transcript. The result is already secret-free; the report scrubs once more anything shaped
 * like a private key, since it is the one thing that leaves the portal.
 */
export function formatDiagnosisReport(result: DiagnosisResult, context: DiagnosisReportContext): DiagnosisReport {
  const text = scrubText(renderText(result, context));
  const json = JSON.stringify(
    scrubDeep({
      report: "edi-portal-connection-test",
      formatVersion: 1,
      portalVersion: context.portalVersion,
      accountLabel: context.accountLabel,
      egressIps: context.egressIps,
      result,
    }),
    null,
    2,
  );
  return { text, json };
}

function renderText(result: DiagnosisResult, context: DiagnosisReportContext): string {
  const lines: string[] = [];
  const total = new Date(result.finishedAt).getTime() - new Date(result.startedAt).getTime();
  lines.push("EDI portal - connection test report");
  lines.push(`Portal version: ${context.portalVersion}`);
  lines.push(`Account: ${context.accountLabel}`);
  lines.push(`Portal egress IPs (to allow on the payer's firewall): ${context.egressIps.join(", ") || "(not configured)"}`);
  lines.push(`Destination: ${result.protocol} ${result.host}:${result.port}`);
  lines.push(`Run: ${result.startedAt} to ${result.finishedAt} (${total} ms)`);
  lines.push(
    `Result: ${result.ok ? "PASSED" : `FAILED at "${result.stages.find((s) => s.key === result.failedStage)?.label ?? result.failedStage}"`}${result.code ? ` [${result.code}]` : ""}`,
  );
  lines.push(result.headline);
  lines.push("");
  lines.push("Stages");
  result.stages.forEach((stage, i) => {
    const code = stage.code ? ` [${stage.code}]` : "";
    lines.push(`${String(i + 1).padStart(2)}. ${STATUS_MARK[stage.status]} ${stage.label.padEnd(32)} ${String(stage.durationMs).padStart(6)} ms${code}`);
    lines.push(`      ${stage.summary}`);
    for (const fact of factLines(stage)) lines.push(`      ${fact}`);
  });
  if (result.negotiated && Object.keys(result.negotiated).length > 0) {
    lines.push("");
    lines.push("Negotiated");
    for (const [key, value] of Object.entries(result.negotiated)) lines.push(`  ${key}: ${String(value)}`);
  }
  lines.push("");
  lines.push("Transcript");
  for (const line of result.transcript) lines.push(`[${line.at}] ${line.direction} ${line.stage.padEnd(9)} ${line.message}`);
  return lines.join("\n") + "\n";
}

/** The stage facts worth reading in a ticket: algorithm lists side by side, certificate and port facts. */
function factLines(stage: DiagnosisStage): string[] {
  const details = stage.details;
  if (!details) return [];
  const out: string[] = [];
  const categories = details.categories as Record<string, { client: string[]; server: string[]; agreed?: string; weakAgreed?: Array<{ algorithm: string; reason: string }> }> | undefined;
  if (categories) {
    for (const [name, view] of Object.entries(categories)) {
      const weak = view.weakAgreed?.length ? `  (outdated: ${view.weakAgreed.map((w) => w.reason).join(", ")})` : "";
      out.push(`${name}: agreed ${view.agreed ?? "-"}${weak}`);
      out.push(`  server: ${view.server.join(",") || "-"}`);
      out.push(`  portal: ${view.client.join(",") || "-"}`);
    }
  }
  for (const [key, value] of Object.entries(details)) {
    if (key === "categories" || value === undefined) continue;
    out.push(`${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return out;
}

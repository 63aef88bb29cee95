/*
 * docs/benchmarks.md holds every suite's report: the engine suite's at the top (it replaces the
 * head of the file), then the pipeline's, the history-at-scale figures, its responsiveness part's, the fairness suite's and the
 * sealing suite's, each between its markers. Each writer replaces only its own part.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { REPORT_PATH } from "./paths";

export const SECTIONS = {
  pipeline: { start: "<!-- pipeline:start -->", end: "<!-- pipeline:end -->" },
  /** History at scale (issue #18): 100,000 and 1,000,000 transfers on both engines, written by hand from the history benchmark's runs. */
  history: { start: "<!-- history:start -->", end: "<!-- history:end -->" },
  responsiveness: { start: "<!-- responsiveness:start -->", end: "<!-- responsiveness:end -->" },
  fairness: { start: "<!-- fairness:start -->", end: "<!-- fairness:end -->" },
  sealing: { start: "<!-- sealing:start -->", end: "<!-- sealing:end -->" },
  cluster: { start: "<!-- cluster:start -->", end: "<!-- cluster:end -->" },
} as const;

export type SectionName = keyof typeof SECTIONS;

/** The report's path as the suites print it ("written to docs/benchmarks.md"). */
export const reportPathForLog = () => path.relative(process.cwd(), REPORT_PATH);

async function readOrEmpty(file: string): Promise<string> {
  return readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
}

function split(content: string, name: SectionName): { before: string; block: string; after: string } {
  const { start: startMarker, end: endMarker } = SECTIONS[name];
  const start = content.indexOf(startMarker);
  const end = content.indexOf(endMarker, start);
  if (start < 0 || end < 0) return { before: content, block: "", after: "" };
  return { before: content.slice(0, start), block: content.slice(start, end + endMarker.length), after: content.slice(end + endMarker.length) };
}

/** Put (or replace) one section between its markers (a new one goes at the end), leaving everything else as it is. */
export async function writeSection(name: SectionName, markdown: string, file = REPORT_PATH): Promise<void> {
  const { before, after } = split(await readOrEmpty(file), name);
  const block = `${SECTIONS[name].start}\n${markdown.trim()}\n${SECTIONS[name].end}`;
  const head = before.trimEnd();
  await writeFile(file, `${head ? `${head}\n\n` : ""}${block}\n${after.trim() ? `\n${after.trim()}\n` : ""}`);
}

/** The engine suite's writer: its report replaces the file, every marked section stays after it. */
export async function writeEngineReport(markdown: string, file = REPORT_PATH): Promise<void> {
  const content = await readOrEmpty(file);
  const blocks = (Object.keys(SECTIONS) as SectionName[]).map((name) => split(content, name).block).filter(Boolean);
  await writeFile(file, `${markdown.trimEnd()}\n${blocks.map((block) => `\n${block}\n`).join("")}`);
}

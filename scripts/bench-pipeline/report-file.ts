import { readFile, writeFile } from "node:fs/promises";

/*
 * docs/benchmarks.md holds three reports: the engine benchmark's (scripts/bench.ts, the top of the
 * file), this one's and its responsiveness part's, each between its markers. Each writer replaces
 * only its own part.
 */
export const PIPELINE_START = "<!-- pipeline:start -->";
export const PIPELINE_END = "<!-- pipeline:end -->";
export const RESPONSIVENESS_START = "<!-- responsiveness:start -->";
export const RESPONSIVENESS_END = "<!-- responsiveness:end -->";

async function readOrEmpty(path: string): Promise<string> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
}

function split(content: string, startMarker = PIPELINE_START, endMarker = PIPELINE_END): { before: string; block: string; after: string } {
  const start = content.indexOf(startMarker);
  const end = content.indexOf(endMarker, start);
  if (start < 0 || end < 0) return { before: content, block: "", after: "" };
  return { before: content.slice(0, start), block: content.slice(start, end + endMarker.length), after: content.slice(end + endMarker.length) };
}

async function writeSection(path: string, markdown: string, startMarker: string, endMarker: string): Promise<void> {
  const { before, after } = split(await readOrEmpty(path), startMarker, endMarker);
  const block = `${startMarker}\n${markdown.trim()}\n${endMarker}`;
  const head = before.trimEnd();
  await writeFile(path, `${head ? `${head}\n\n` : ""}${block}\n${after.trim() ? `\n${after.trim()}\n` : ""}`);
}

/** Put (or replace) the pipeline section, leaving everything else in the file as it is. */
export async function writePipelineSection(path: string, markdown: string): Promise<void> {
  await writeSection(path, markdown, PIPELINE_START, PIPELINE_END);
}

/** Put (or replace) the responsiveness section (new: at the end of the file), leaving everything else as it is. */
export async function writeResponsivenessSection(path: string, markdown: string): Promise<void> {
  await writeSection(path, markdown, RESPONSIVENESS_START, RESPONSIVENESS_END);
}

/** The engine benchmark's writer: its report replaces the file, the pipeline and responsiveness sections stay after it. */
export async function writeEngineReport(path: string, markdown: string): Promise<void> {
  const content = await readOrEmpty(path);
  const blocks = [split(content).block, split(content, RESPONSIVENESS_START, RESPONSIVENESS_END).block].filter(Boolean);
  await writeFile(path, `${markdown.trimEnd()}\n${blocks.map((block) => `\n${block}\n`).join("")}`);
}

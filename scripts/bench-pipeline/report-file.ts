import { readFile, writeFile } from "node:fs/promises";

/*
 * docs/benchmarks.md holds two reports: the engine benchmark's (scripts/bench.ts, the top of the
 * file) and this one's, between these markers. Each writer replaces only its own part.
 */
export const PIPELINE_START = "<!-- pipeline:start -->";
export const PIPELINE_END = "<!-- pipeline:end -->";

async function readOrEmpty(path: string): Promise<string> {
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
}

function split(content: string): { before: string; block: string; after: string } {
  const start = content.indexOf(PIPELINE_START);
  const end = content.indexOf(PIPELINE_END, start);
  if (start < 0 || end < 0) return { before: content, block: "", after: "" };
  return { before: content.slice(0, start), block: content.slice(start, end + PIPELINE_END.length), after: content.slice(end + PIPELINE_END.length) };
}

/** Put (or replace) the pipeline section, leaving everything else in the file as it is. */
export async function writePipelineSection(path: string, markdown: string): Promise<void> {
  const { before, after } = split(await readOrEmpty(path));
  const block = `${PIPELINE_START}\n${markdown.trim()}\n${PIPELINE_END}`;
  const head = before.trimEnd();
  await writeFile(path, `${head ? `${head}\n\n` : ""}${block}\n${after.trim() ? `\n${after.trim()}\n` : ""}`);
}

/** The engine benchmark's writer: its report replaces the file, the pipeline section stays after it. */
export async function writeEngineReport(path: string, markdown: string): Promise<void> {
  const { block } = split(await readOrEmpty(path));
  await writeFile(path, `${markdown.trimEnd()}\n${block ? `\n${block}\n` : ""}`);
}

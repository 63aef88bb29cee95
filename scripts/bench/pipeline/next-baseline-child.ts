/**
 * The web framework's share of the portal's memory: the production build served by Next.js in a
 * bare process (no database, no relay, no sandbox), RSS after start-up and after rendering the
 * sign-in page once. Run by memory-baselines.ts with a scratch DATA_DIR, not by hand.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import next from "next";
import { readJob, reportResult, runChildMain } from "../shared/child-job";
import { processMemory } from "../shared/process-memory";

const rssKiB = () => processMemory("self").rssKiB;

export interface NextBaseline {
  loadedKiB: number;
  preparedKiB: number;
  renderedKiB: number;
}

async function main(): Promise<void> {
  const { dir } = readJob<{ dir: string }>();
  const loadedKiB = rssKiB();
  const app = next({ dev: false, dir, hostname: "localhost", port: 0 });
  await app.prepare();
  const preparedKiB = rssKiB();
  const handler = app.getRequestHandler();
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/sign-in`);
  await response.text();
  if (!response.ok) throw new Error(`GET /sign-in answered ${response.status}`);
  reportResult({ loadedKiB, preparedKiB, renderedKiB: rssKiB() } satisfies NextBaseline);
}

runChildMain(main);

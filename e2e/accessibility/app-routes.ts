import fs from "node:fs";
import path from "node:path";

/**
 * Every page the app serves, as its route pattern ("/transfers/[id]"), read from the page.tsx files
 * under app/: route groups such as "(partner)" leave no trace in the URL.
 */
export function appRoutes(appDir = path.join(__dirname, "..", "..", "app")): string[] {
  const routes: string[] = [];
  const walk = (dir: string, segments: string[]) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        const inUrl = /^\(.*\)$/.test(entry.name) ? segments : [...segments, entry.name];
        walk(path.join(dir, entry.name), inUrl);
      } else if (entry.name === "page.tsx") {
        routes.push(`/${segments.join("/")}`);
      }
    }
  };
  walk(appDir, []);
  return routes.sort();
}

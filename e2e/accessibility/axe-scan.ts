import axe from "axe-core";
import { expect, type Page } from "@playwright/test";

declare global {
  interface Window {
    axe?: typeof axe;
  }
}

/**
 * Rules that fail the scan whatever impact axe gives them: the landmark rules axe rates "moderate",
 * which issue #17 named (content outside landmarks, repeated landmarks sharing a label).
 */
const ALWAYS_FAIL = new Set(["region", "landmark-unique", "landmark-one-main", "landmark-no-duplicate-main", "landmark-no-duplicate-banner", "landmark-no-duplicate-contentinfo"]);

export type Theme = "light" | "dark";

/**
 * Runs axe-core's default rules in the page as it is now (within `include`, a selector, if given).
 *
 * axe-core runs in the page itself, injected once per page load and reused for the other theme:
 * about 210 ms for the first scan of a page and 100 ms for the next, against 650 ms a scan through
 * @axe-core/playwright's AxeBuilder, which runs axe in parts and finishes each run in a fresh page
 * of its own so that it can cover iframes. The portal has no iframes, and a page that gets one
 * fails here rather than going unscanned.
 */
async function runAxe(page: Page, include?: string): Promise<axe.AxeResults> {
  expect(await page.locator("iframe").count(), `${page.url()} has an iframe, which this scan does not enter`).toBe(0);
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axe.source);
  // Passing elements are counted, not listed: only the violations are read.
  const options: axe.RunOptions = { resultTypes: ["violations"] };
  return page.evaluate(
    async ([selector, runOptions]) => {
      const results = await window.axe!.run(selector ? { include: [selector] } : document, runOptions);
      // WCAG 1.4.3 sets no contrast for an inactive control. axe leaves out a disabled button, but not
      // one disabled by its <fieldset disabled> (the Keys page's forms while "confirm it's you" is asked).
      const inactive = (target: unknown) => typeof target === "string" && Boolean(document.querySelector(target)?.matches(":disabled"));
      results.violations = results.violations
        .map((violation) => (violation.id === "color-contrast" ? { ...violation, nodes: violation.nodes.filter((node) => !inactive(node.target.at(-1))) } : violation))
        .filter((violation) => violation.nodes.length > 0);
      return results;
    },
    [include, options] as const,
  );
}

/**
 * One axe-core scan of the page as it is now: each serious or critical finding (and each of the
 * landmark rules above) as "where: rule (impact) target — help (axe's detail, e.g. the colours and
 * their contrast)", one line per element.
 */
export async function axeFindings(page: Page, where: string, include?: string): Promise<string[]> {
  const { violations } = await runAxe(page, include);
  const findings = violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical" || ALWAYS_FAIL.has(violation.id))
    .flatMap((violation) =>
      violation.nodes.map((node) => {
        const detail = [...node.any, ...node.all, ...node.none].map((check) => check.message).find(Boolean);
        return `${where}: ${violation.id} (${violation.impact}) ${node.target.join(" ")} — ${violation.help}${detail ? ` (${detail})` : ""}`;
      }),
    );
  return [...findings, ...(await duplicateIds(page, include)).map((id) => `${where}: duplicate id "${id}" — a label or description that points at it names only the first element`)];
}

/**
 * Ids used more than once. axe-core retired its duplicate-id rules, and its label rule is satisfied
 * by any <label for> naming the id, so two fields sharing an id pass it while the second has no label:
 * how the Account page's two password boxes once slipped through.
 */
async function duplicateIds(page: Page, include?: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const scope = selector ? document.querySelector(selector) : document;
    const counts = new Map<string, number>();
    for (const element of scope?.querySelectorAll("[id]") ?? []) counts.set(element.id, (counts.get(element.id) ?? 0) + 1);
    return [...counts].filter(([, count]) => count > 1).map(([id]) => id);
  }, include);
}

/** Switches the emulated system theme; next-themes (theme "system") follows it without a reload. */
export async function useTheme(page: Page, theme: Theme) {
  await page.emulateMedia({ colorScheme: theme });
  if (theme === "dark") await expect(page.locator("html")).toHaveClass(/\bdark\b/);
  else await expect(page.locator("html")).not.toHaveClass(/\bdark\b/);
}

/**
 * Opens `path` and scans it in each theme, reusing the one page load. Returns the findings, labelled
 * with the path, the width and the theme.
 */
export async function scanInBothThemes(page: Page, path: string, label = path): Promise<string[]> {
  await page.emulateMedia({ colorScheme: "light" });
  const response = await page.goto(path);
  expect(response?.ok(), `${path} answers`).toBe(true);
  await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
  await expect.poll(() => page.evaluate(() => document.readyState)).toBe("complete");
  return scanAsIsInBothThemes(page, label);
}

/** Scans the page as it stands (no navigation: an upload list, an open menu) in each theme. */
export async function scanAsIsInBothThemes(page: Page, label: string): Promise<string[]> {
  const width = page.viewportSize()?.width ?? 0;
  const findings: string[] = [];
  for (const theme of ["light", "dark"] as const) {
    await useTheme(page, theme);
    findings.push(...(await axeFindings(page, `${label} [${width} px, ${theme}]`)));
  }
  await useTheme(page, "light");
  return findings;
}

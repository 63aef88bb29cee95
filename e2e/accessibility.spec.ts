import type { Page } from "@playwright/test";
import { navigation, type Role } from "../lib/auth/roles";
import { appRoutes } from "./accessibility/app-routes";
import { axeFindings, scanAsIsInBothThemes, scanInBothThemes, useTheme } from "./accessibility/axe-scan";
import {
  atTwoFactorStep,
  diagnosisPath,
  firstLinkUnder,
  heldTransferPath,
  invitationPath,
  pendingPartnerPage,
  payerFilePath,
  resetPasswordPath,
} from "./accessibility/sample-records";
import { expect, test } from "./fixtures";
import { AppShell, DESKTOP, PHONE } from "./pages/app-shell";
import { KeysPage } from "./pages/keys-page";
import { someTransferPath } from "./some-transfer";

/*
 * Issue #17, point 13: axe-core on every page for every role, in light and dark mode, at desktop
 * width (and phone width for each role's main pages); any serious or critical finding fails, named
 * by page, rule and element.
 */

type Audience = "signed out" | "pending" | Role;

/**
 * Every page.tsx under app/ and who sees it. The first test fails when a page is added without
 * being listed here, so the scan cannot silently miss one.
 */
const SCANNED: Record<string, Audience[] | "redirects only"> = {
  "/": "redirects only",
  "/sign-in": ["signed out"],
  "/sign-in/two-factor": ["signed out"],
  "/register": ["signed out"],
  "/forgot-password": ["signed out"],
  "/reset-password/[token]": ["signed out"],
  "/invite/[token]": ["signed out"],
  "/pending": ["pending"],
  "/dashboard": ["partner"],
  "/upload": ["partner"],
  "/history": ["partner"],
  "/keys": ["partner"],
  "/troubleshooting": ["partner"],
  "/troubleshooting/setup/[accountId]": ["partner"],
  "/transfers/[id]": ["partner", "admin", "support"],
  "/diagnoses/[id]": ["partner", "admin", "support"],
  "/responses": ["partner", "admin", "support"],
  "/responses/[id]": ["partner", "admin", "support"],
  "/guides": ["partner", "admin", "support"],
  "/guides/[slug]": ["partner", "admin", "support"],
  "/account": ["partner", "admin", "support"],
  "/account/webhooks": ["partner", "admin"],
  "/admin/registrations": ["admin"],
  "/admin/organisations": ["admin"],
  "/admin/organisations/[id]": ["admin"],
  "/admin/destinations": ["admin"],
  "/admin/destinations/new": ["admin"],
  "/admin/destinations/[id]": ["admin"],
  "/admin/accounts": ["admin"],
  "/admin/keys": ["admin"],
  "/admin/operations": ["admin"],
  "/admin/audit": ["admin"],
  "/admin/exports": ["admin"],
  "/admin/mail": ["admin"],
  "/admin/mail/[id]": ["admin"],
  "/support/transfers": ["support"],
  "/support/organisations": ["support"],
  "/support/organisations/[id]": ["support"],
  "/support/diagnostics": ["support"],
};

interface Browsers {
  own: Page;
  partnerPage: Page;
  adminPage: Page;
}

/** Made once per run by the partner's test (which scans the upload page with it), then reused. */
let heldTransfer: string | undefined;

/** Where each page with a parameter is found: a record made through the portal, or found in a list. */
const SAMPLES: Record<string, (browsers: Browsers) => Promise<string[]>> = {
  "/sign-in/two-factor": async ({ own }) => (await atTwoFactorStep(own), ["/sign-in/two-factor"]),
  "/reset-password/[token]": async ({ own, adminPage }) => [await resetPasswordPath(own, adminPage)],
  "/invite/[token]": async ({ partnerPage, adminPage }) => [await invitationPath(partnerPage, adminPage)],
  "/troubleshooting/setup/[accountId]": async ({ own }) => [await firstLinkUnder(own, "/troubleshooting", "/troubleshooting/setup/")],
  // A delivered transfer with its transcript, and one held for a decision.
  "/transfers/[id]": async ({ partnerPage }) => [await someTransferPath(partnerPage), (heldTransfer ??= await heldTransferPath(partnerPage))],
  "/diagnoses/[id]": async ({ partnerPage }) => [await diagnosisPath(partnerPage)],
  "/responses/[id]": async ({ own }) => [await payerFilePath(own)],
  "/guides/[slug]": async ({ own }) => [await firstLinkUnder(own, "/guides", "/guides/")],
  "/admin/organisations/[id]": async ({ own }) => [await firstLinkUnder(own, "/admin/organisations", "/admin/organisations/")],
  "/admin/destinations/[id]": async ({ own }) => [await firstLinkUnder(own, "/admin/destinations", "/admin/destinations/", /\/new$/)],
  "/admin/mail/[id]": async ({ own }) => [await firstLinkUnder(own, "/admin/mail", "/admin/mail/")],
  "/support/organisations/[id]": async ({ own }) => [await firstLinkUnder(own, "/support/organisations", "/support/organisations/")],
};

/** The concrete paths to scan for `audience`, every route it sees listed once or more. */
async function pathsFor(audience: Audience, browsers: Browsers): Promise<string[]> {
  const paths: string[] = [];
  for (const [route, audiences] of Object.entries(SCANNED)) {
    if (audiences === "redirects only" || !audiences.includes(audience)) continue;
    const sample = SAMPLES[route];
    if (sample) paths.push(...(await sample(browsers)));
    else {
      expect(route, `${route} has a parameter: give it a sample in SAMPLES`).not.toContain("[");
      paths.push(route);
    }
  }
  return paths;
}

/** Scans each path in both themes at `viewport`; returns the findings and how many page loads were scanned. */
async function scanAll(page: Page, paths: string[], viewport: { width: number; height: number } = DESKTOP) {
  await page.setViewportSize(viewport);
  const findings: string[] = [];
  for (const path of paths) findings.push(...(await scanInBothThemes(page, path)));
  return findings;
}

/** The role's sections and account page (and `more`) at phone width, plus its open phone menu. */
async function scanPhone(page: Page, role: Role, more: string[]) {
  const main = [...navigation[role].map((item) => item.href), "/account", ...more];
  const findings = await scanAll(page, main, PHONE);
  const shell = new AppShell(page);
  await page.goto(main[0]);
  await shell.openMenu();
  findings.push(...(await axeFindings(page, `${main[0]} phone menu open [390 px]`)));
  return { findings, scanned: main.length };
}

/** Notes what was scanned (in the report's annotations) and fails on any finding. */
function report(audience: string, scanned: string, findings: string[]) {
  test.info().annotations.push({ type: "axe", description: `${audience}: ${scanned}; ${findings.length} findings` });
  expect(findings, `serious or critical axe-core findings (${audience})`).toEqual([]);
}

test("the scan reports what it should: an unlabelled field, faint text and a shared id on a real page fail it", async ({ page }) => {
  await page.goto("/sign-in");
  await page.locator("main").evaluate((main) => {
    main.insertAdjacentHTML(
      "beforeend",
      '<input type="text" id="unlabelled-probe"><p id="faint-probe" style="color:#eee;background:#fff">faint text</p><label for="twin-probe">Twin</label><input id="twin-probe"><input id="twin-probe">',
    );
  });
  const findings = await axeFindings(page, "/sign-in with three faults");
  expect(findings.some((line) => line.includes("label (critical) #unlabelled-probe"))).toBe(true);
  expect(findings.some((line) => line.includes("color-contrast (serious) #faint-probe"))).toBe(true);
  expect(findings.some((line) => line.includes('duplicate id "twin-probe"'))).toBe(true);
  // Dark mode too: the same page, rescanned after the theme switch, still reports them.
  await useTheme(page, "dark");
  expect((await axeFindings(page, "/sign-in with three faults, dark")).length).toBeGreaterThanOrEqual(3);
});

test("every page under app/ is in the accessibility scan", () => {
  expect(appRoutes()).toEqual(Object.keys(SCANNED).sort());
});

test("signed-out pages have no serious or critical accessibility findings, light or dark, desktop or phone", async ({ page, partnerPage, adminPage }) => {
  test.setTimeout(300_000);
  const paths = [...(await pathsFor("signed out", { own: page, partnerPage, adminPage }))];
  const findings = await scanAll(page, paths);
  const phone = ["/sign-in", "/register", "/forgot-password"];
  findings.push(...(await scanAll(page, phone, PHONE)));
  report("signed out", `${paths.length} pages × 2 themes at 1280 px, ${phone.length} × 2 at 390 px`, findings);
});

test("the pending page has no serious or critical accessibility findings", async ({ browser, partnerPage, adminPage }) => {
  const pending = await pendingPartnerPage(browser);
  const paths = await pathsFor("pending", { own: pending, partnerPage, adminPage });
  const findings = [...(await scanAll(pending, paths)), ...(await scanAll(pending, paths, PHONE))];
  await pending.context().close();
  report("pending", `${paths.length} page × 2 themes at 1280 and 390 px`, findings);
});

test("a 404 has no serious or critical accessibility findings, signed in or out", async ({ page, partnerPage }) => {
  const findings: string[] = [];
  // Signed out, an unknown page at the top level leads to sign-in; under /sign-in it is a 404.
  for (const [who, path] of [
    [page, "/sign-in/no-such-step"],
    [partnerPage, "/no-such-page"],
  ] as const) {
    await who.goto(path);
    await expect(who.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
    for (const theme of ["light", "dark"] as const) {
      await useTheme(who, theme);
      findings.push(...(await axeFindings(who, `${path} [${who === page ? "signed out" : "partner"}, ${theme}]`)));
    }
  }
  report("404", "signed out and in × 2 themes", findings);
});

for (const role of ["partner", "admin", "support"] as const) {
  test(`every ${role} page has no serious or critical accessibility findings, light or dark, desktop or phone`, async ({ partnerPage, adminPage, supportPage }) => {
    test.setTimeout(600_000);
    const own = { partner: partnerPage, admin: adminPage, support: supportPage }[role];
    const findings: string[] = [];
    if (role === "partner") {
      // The upload page with rows: one file delivered, the same file again held for a decision.
      heldTransfer = await heldTransferPath(partnerPage);
      findings.push(...(await scanAsIsInBothThemes(partnerPage, "/upload with a delivered and a held file")));
      // The theme menu, open.
      await new AppShell(partnerPage).themeButton().click();
      await expect(partnerPage.getByRole("menu")).toBeVisible();
      findings.push(...(await axeFindings(partnerPage, "/upload theme menu open")));
      await partnerPage.keyboard.press("Escape");
    }
    const paths = await pathsFor(role, { own, partnerPage, adminPage });
    findings.push(...(await scanAll(own, paths)));
    if (role === "partner") {
      // Once a sign-in is five minutes old, sensitive forms ask "confirm it is you" with fields of their
      // own (the Account page then holds two password boxes): lock them now and scan those pages again.
      const keys = new KeysPage(partnerPage);
      await keys.goto();
      await keys.lock();
      findings.push(...(await scanAsIsInBothThemes(partnerPage, "/keys asking to confirm it is you")));
      await partnerPage.goto("/account");
      await expect(partnerPage.getByRole("group", { name: /Confirm it is you/ }).first()).toBeVisible();
      findings.push(...(await scanAsIsInBothThemes(partnerPage, "/account asking to confirm it is you")));
      findings.push(...(await scanInBothThemes(partnerPage, "/account/webhooks", "/account/webhooks asking to confirm it is you")));
    }
    // On a phone, also the pages whose transcripts and reports scroll inside their own boxes.
    const phone = await scanPhone(
      own,
      role,
      paths.filter((path) => /^\/(transfers|diagnoses)\//.test(path)),
    );
    report(role, `${paths.length} pages × 2 themes at 1280 px, ${phone.scanned} × 2 at 390 px and the open menu`, [...findings, ...phone.findings]);
  });
}

test("every guide has no serious or critical accessibility findings (light; the first guide is scanned dark above)", async ({ partnerPage }) => {
  test.setTimeout(300_000);
  await partnerPage.goto("/guides");
  const guides = [...new Set(await partnerPage.locator('main a[href^="/guides/"]').evaluateAll((links) => links.map((link) => new URL((link as HTMLAnchorElement).href).pathname)))];
  expect(guides.length).toBeGreaterThan(1);
  const findings: string[] = [];
  for (const guide of guides) {
    await partnerPage.goto(guide);
    await expect(partnerPage.getByRole("heading", { level: 1 })).toBeVisible();
    findings.push(...(await axeFindings(partnerPage, `${guide} [1280 px, light]`)));
  }
  report("guides", `${guides.length} guides, light, 1280 px`, findings);
});

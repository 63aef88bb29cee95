import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./fixtures";
import { uniqueClaimStamp } from "./claim-names";

const SFTP = "Sandbox payer (SFTP, password + key) (user sunshine)";
const FTPS = "Sandbox clearinghouse (FTPS explicit) (user sunshine)";
const sandboxRoot = path.resolve(process.env.E2E_DATA_DIR ?? ".e2e-data", "sandbox");
const stagingRoot = path.resolve(process.env.E2E_DATA_DIR ?? ".e2e-data", "staging");

/** Claim files are PHI: no staged file on the portal's disk holds the unique part of `file`'s plaintext (issue #21). */
function expectNoPlaintextInStaging(file: { buffer: Buffer }) {
  const at = file.buffer.indexOf("REF*F8*");
  const unique = file.buffer.subarray(at, at + 43);
  const staged = fs.readdirSync(stagingRoot, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  expect(staged.length).toBeGreaterThan(0);
  for (const entry of staged) expect(fs.readFileSync(path.join(entry.parentPath, entry.name)).indexOf(unique), entry.name).toBe(-1);
}

function claimFile(name: string, usage: "P" | "T", filler = 0) {
  const isa = `ISA*00*          *00*          *ZZ*${"000000050".padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*${usage}*:~`;
  // A unique reference keeps each test's file distinct, so none is held back as a duplicate of another.
  const body = `${isa}GS*HC*000000050*RECEIVER*20261121*1030*1*X*005010X222A1~ST*837*0001~REF*F8*${crypto.randomUUID()}~${"NM1*IL*1*DOE*JANE~".repeat(filler)}SE*4*0001~GE*1*1~IEA*1*000000001~`;
  return { name, mimeType: "text/plain", buffer: Buffer.from(body) };
}


/** What a sent file's row says, from "queued" to "delivered", as the page follows it. */
const SENT = /queued for delivery|sending it to the payer|Delivered to the payer/;

async function openTransfer(item: import("@playwright/test").Locator) {
  // The row follows the file live: queued, sending, then delivered.
  await expect(item.getByRole("status")).toContainText(SENT, { timeout: 30_000 });
  await item.getByRole("link", { name: "Follow it" }).click();
}

test("a partner uploads a claim file to the SFTP payer and sees it delivered with a transcript", async ({ partnerPage }) => {
  const file = claimFile(`S000000050A49-${uniqueClaimStamp()}P.TXT`, "P");
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByRole("radio", { name: "Production" }).check();
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  await openTransfer(item);
  await expect(partnerPage.getByText("delivered", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  await expect(partnerPage.getByLabel("Transcript").first()).toContainText("partial success");
  const upstream = fs.readFileSync(path.join(sandboxRoot, "sftp-root", "incoming", file.name));
  expect(upstream.equals(file.buffer)).toBe(true);
  // Delivered, and still staged for a while (retention): sealed, so the disk shows none of it.
  expectNoPlaintextInStaging(file);
});

test("the same to the FTPS payer", async ({ partnerPage }) => {
  const file = claimFile(`CLAIMS-${uniqueClaimStamp()}.X12`, "T");
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: FTPS });
  await partnerPage.getByRole("radio", { name: "Test" }).check();
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  await openTransfer(item);
  await expect(partnerPage.getByText("delivered", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  await expect(partnerPage.getByLabel("Transcript").first()).toContainText("AUTH TLS");
  expect(fs.readFileSync(path.join(sandboxRoot, "ftps-root", "incoming", file.name)).equals(file.buffer)).toBe(true);
});

test("a file that breaks the payer's naming rule is refused with a corrected name", async ({ partnerPage }) => {
  const file = claimFile("my claims.txt", "P");
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  await expect(item).toContainText("only accepts names like S000000050A49-20121210-103412P.TXT");
  await expect(item).toContainText(/Suggested name: .*S000000050-\d{8}-\d{6}P\.TXT/);
  // Said once: the message names the rule, the suggestion sits on its own line.
  expect(((await item.textContent()) ?? "").match(/S000000050-\d{8}-\d{6}P\.TXT/g)).toHaveLength(1);
});

test("a misnamed file keeps its own submitter part and timestamp in the suggested name", async ({ partnerPage }) => {
  const file = claimFile("S000000050A49_20261121_093000P.txt", "P");
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  await expect(item).toContainText("Suggested name: S000000050A49-20261121-093000P.TXT");
});

test("a sent file's row turns to delivered without leaving the upload page", async ({ partnerPage }) => {
  const file = claimFile(`S000000050A49-${uniqueClaimStamp()}P.TXT`, "P");
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  await expect(item.getByRole("status")).toContainText("Delivered to the payer", { timeout: 45_000 });
  await expect(partnerPage).toHaveURL(/\/upload$/);
  await expect(item.getByRole("link", { name: "Follow it" })).toHaveAttribute("href", /^\/transfers\/[0-9a-f-]{36}$/);
});

test("a file over the payer's size limit is refused before any upload request", async ({ partnerPage }, testInfo) => {
  // One byte over the default limit (100 MiB), sparse on disk.
  const big = testInfo.outputPath(`S000000050A49-${uniqueClaimStamp()}P.TXT`);
  fs.mkdirSync(path.dirname(big), { recursive: true });
  fs.writeFileSync(big, "");
  fs.truncateSync(big, 104_857_601);
  const posts: string[] = [];
  partnerPage.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname.startsWith("/api/uploads")) posts.push(request.url());
  });
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByLabel("Choose files").setInputFiles(big);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: path.basename(big) });
  await expect(item.getByRole("status")).toHaveText(
    "Not sent. The file is 100.0 MiB (104,857,601 bytes); Sandbox payer (SFTP, password + key) accepts at most 100 MiB (104,857,600 bytes). Split the batch into smaller files.",
  );
  await expect(item.getByRole("button", { name: "Cancel" })).toHaveCount(0);
  expect(posts).toEqual([]);
});

test("the upload speed is formatted", async ({ partnerPage }) => {
  const file = claimFile(`S000000050A49-${uniqueClaimStamp()}P.TXT`, "P", 1_200_000); // ~22 MiB: three 8 MiB chunks
  // Hold the second chunk until the speed has been read: the row is still uploading while we look.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await partnerPage.route("**/api/uploads/**", async (route) => {
    if (route.request().method() === "PATCH" && route.request().headers()["upload-offset"] !== "0") await released;
    await route.continue();
  });
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  const status = item.getByRole("status");
  await expect(status).toContainText(/\d+% · \d+(\.\d)? (bytes|KiB|MiB|GiB)\/s · (<1|\d+) s left/, { timeout: 30_000 });
  expect(await status.textContent()).not.toMatch(/\d\.\d{2,}/);
  release();
  await expect(status).toContainText(SENT, { timeout: 30_000 });
});

test("an upload cut mid-way resumes and arrives upstream byte for byte", async ({ partnerPage }) => {
  const file = claimFile(`S000000050A49-${uniqueClaimStamp()}P.TXT`, "P", 1_200_000); // ~22 MiB: three 8 MiB chunks
  let cut = false;
  await partnerPage.route("**/api/uploads/**", async (route) => {
    // Drop the second chunk's request once: the client must resume from the server's offset.
    if (!cut && route.request().method() === "PATCH" && route.request().headers()["upload-offset"] !== "0") {
      cut = true;
      await route.abort("connectionreset");
      return;
    }
    await route.continue();
  });
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  await expect(item.getByRole("progressbar")).toHaveAttribute("aria-valuenow", /\d+/);
  await openTransfer(item);
  expect(cut).toBe(true);
  await expect(partnerPage.getByText("delivered", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  const upstream = fs.readFileSync(path.join(sandboxRoot, "sftp-root", "incoming", file.name));
  expect(crypto.createHash("sha256").update(upstream).digest("hex")).toBe(crypto.createHash("sha256").update(file.buffer).digest("hex"));
  await expect(partnerPage.getByText(crypto.createHash("sha256").update(file.buffer).digest("hex"))).toBeVisible();
});

test("history lists the partner's transfers and exports them as CSV", async ({ partnerPage }) => {
  await partnerPage.goto("/history");
  await expect(partnerPage.getByRole("table")).toBeVisible();
  const downloading = partnerPage.waitForEvent("download");
  await partnerPage.getByRole("link", { name: "Export CSV" }).click();
  const csv = fs.readFileSync((await (await downloading).path())!, "utf8");
  expect(csv.split("\n")[0]).toBe("id,originalName,organisationName,destinationName,status,mode,sizeBytes,sha256,createdAt,deliveredAt,attemptCount,lastErrorCode,requeueReason,responseStatus");
});

test("another organisation's partner gets 'not found' for a transfer page", async ({ browser, partnerPage, adminPage }) => {
  const file = claimFile(`S000000050A49-${uniqueClaimStamp()}T.TXT`, "T");
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByRole("radio", { name: "Test" }).check();
  await partnerPage.getByLabel("Choose files").setInputFiles(file);
  const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name: file.name });
  await expect(item.getByRole("status")).toContainText(SENT, { timeout: 30_000 });
  const href = await item.getByRole("link", { name: "Follow it" }).getAttribute("href");
  expect(href).toMatch(/^\/transfers\/[0-9a-f-]{36}$/);

  const { RegisterPage, uniqueRegistration } = await import("./pages/register-page");
  const { RegistrationsPage } = await import("./pages/registrations-page");
  const context = await browser.newContext();
  const other = await context.newPage();
  const registration = uniqueRegistration("Other");
  const registerPage = new RegisterPage(other);
  await registerPage.goto();
  await registerPage.registerAndSignIn(registration);
  await expect(other.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();
  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  await queue.approve(registration.organisationName);

  const response = await other.goto(href!);
  expect(response?.status()).toBe(404);
  await expect(other.getByRole("heading", { name: "Not found" })).toBeVisible();
  const api = await other.request.get(`/api/v1/transfers/${href!.split("/").pop()}`);
  expect(api.status()).toBe(401);
  await context.close();
});

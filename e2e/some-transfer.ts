import crypto from "node:crypto";
import { expect, type Page } from "@playwright/test";
import { uniqueClaimStamp } from "./claim-names";

const SFTP = "Sandbox payer (SFTP, password + key) (user sunshine)";

/**
 * The path of one of the signed-in partner's transfers (/transfers/<id>): the newest in History,
 * or, on a fresh database, a small claim file uploaded to the sandbox SFTP payer now.
 */
export async function someTransferPath(partnerPage: Page): Promise<string> {
  await partnerPage.goto("/history");
  const listed = partnerPage.locator('main a[href^="/transfers/"]');
  if ((await listed.count()) > 0) return (await listed.first().getAttribute("href"))!;

  const name = `S000000050A49-${uniqueClaimStamp()}P.TXT`;
  const isa = `ISA*00*          *00*          *ZZ*${"000000050".padEnd(15)}*ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*P*:~`;
  const body = `${isa}GS*HC*000000050*RECEIVER*20261121*1030*1*X*005010X222A1~ST*837*0001~REF*F8*${crypto.randomUUID()}~SE*4*0001~GE*1*1~IEA*1*000000001~`;
  await partnerPage.goto("/upload");
  await partnerPage.getByLabel("Send to").selectOption({ label: SFTP });
  await partnerPage.getByRole("radio", { name: "Production" }).check();
  await partnerPage.getByLabel("Choose files").setInputFiles({ name, mimeType: "text/plain", buffer: Buffer.from(body) });
  const link = partnerPage.getByRole("list", { name: "Uploads" }).locator('a[href^="/transfers/"]').first();
  await expect(link).toBeVisible({ timeout: 30_000 });
  return (await link.getAttribute("href"))!;
}

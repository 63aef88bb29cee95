import { expect, test } from "./fixtures";

test("an admin exports the audit log and the transfer history for a date range as CSV", async ({ adminPage }) => {
  const today = new Date().toISOString().slice(0, 10);
  await adminPage.goto("/admin/exports");

  const audit = adminPage.getByRole("form", { name: "Export audit log" });
  await audit.getByLabel("From (UTC)").fill(today);
  await audit.getByLabel("To (UTC)").fill(today);
  const [auditDownload] = await Promise.all([adminPage.waitForEvent("download"), audit.getByRole("button", { name: "Download CSV" }).click()]);
  expect(auditDownload.suggestedFilename()).toBe(`audit-${today}_to_${today}.csv`);
  const auditCsv = await (await auditDownload.createReadStream()).toArray();
  const auditText = Buffer.concat(auditCsv).toString("utf8");
  expect(auditText.split("\n")[0]).toBe("id,at,actorEmail,actorRole,organisationId,action,target,result,ip,detail");
  expect(auditText).toContain('"auth.sign_in"');

  const history = adminPage.getByRole("form", { name: "Export transfer history" });
  await history.getByLabel("From (UTC)").fill("2000-01-01");
  await history.getByLabel("To (UTC)").fill(today);
  const [historyDownload] = await Promise.all([adminPage.waitForEvent("download"), history.getByRole("button", { name: "Download CSV" }).click()]);
  const historyText = Buffer.concat(await (await historyDownload.createReadStream()).toArray()).toString("utf8");
  expect(historyText.split("\n")[0]).toContain("originalName,organisationName,destinationName,status");

  // A bad range is refused with a message, not a file.
  const response = await adminPage.request.get("/api/admin/audit/export?from=2026-12-01&to=2026-11-01");
  expect(response.status()).toBe(400);
  expect((await response.json()).error).toEqual({ code: "INVALID_REQUEST", message: expect.stringContaining("start date is after the end date") });
});

import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { auditEvents, mailMessages } from "@/db/schema";
import { getMail, insertMail, listMail, markMailOutcome, WITHHELD_BODY } from "@/lib/mail/records";
import { ForbiddenError } from "@/lib/errors";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();

const LINK_TEXT = "Open this link: http://localhost:3000/reset-password/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

describe("the admin's mail inbox", () => {
  it("is for admins only", async () => {
    const { actor: support } = await staff("support");
    const { actor: partner } = await partnerIn();
    const mail = await insertMail({ to: "a@example.com", subject: "Hello", text: "Hi", kind: "test" });
    await expect(listMail(support)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listMail(partner)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getMail(support, mail!.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getMail(partner, mail!.id)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("shows a captured one-time link to the admin, and audits that it did", async () => {
    const { actor: admin } = await staff("admin");
    const mail = (await insertMail({ to: "captured@example.com", subject: "Reset your portal password", text: LINK_TEXT, kind: "password_reset", sensitive: true }))!;
    await markMailOutcome(mail.id, { status: "captured" });
    expect((await listMail(admin, { to: "captured@" })).map((m) => m.id)).toEqual([mail.id]);
    expect((await getMail(admin, mail.id))?.textBody).toBe(LINK_TEXT);
    const db = await getDb();
    const audits = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "mail.sensitive_viewed"), eq(auditEvents.actorUserId, admin.userId)));
    expect(audits).toHaveLength(1);
  });

  it("withholds a one-time link the portal tried to mail, even when sending failed", async () => {
    const { actor: admin } = await staff("admin");
    const mail = (await insertMail({ to: "smtp@example.com", subject: "Reset your portal password", text: LINK_TEXT, kind: "password_reset", sensitive: true }))!;
    await markMailOutcome(mail.id, { status: "failed", error: "connection refused" });
    const shown = await getMail(admin, mail.id);
    expect(shown?.textBody).toBe(WITHHELD_BODY);
    expect(JSON.stringify(shown)).not.toContain("reset-password/");
    // The stored copy stays for the retry.
    const db = await getDb();
    const [stored] = await db.select().from(mailMessages).where(eq(mailMessages.id, mail.id));
    expect(stored.textBody).toBe(LINK_TEXT);
  });
});

import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { auditEvents, partnerAccounts } from "@/db/schema";
import { recordResponsePollOutcome } from "@/db/repositories/response-polls";
import { actionPolicyOf } from "@/lib/auth/action-policy";
import { createDestination, getDestination, updateDestination } from "@/lib/destinations/service";
import { destinationPresets } from "@/lib/destinations/presets";
import { destinationFormSchema, type DestinationForm } from "@/lib/destinations/form-schema";
import { columnsToForm } from "@/lib/destinations/spec";
import { resetEnvCache } from "@/lib/env";
import { NotFoundError, UserInputError } from "@/lib/errors";
import { guideBySlug, guideForStopCode } from "@/lib/guides";
import { listPartnerAccounts } from "@/lib/partner-accounts/service";
import { requestResponsePoll } from "@/lib/responses/service";
import { replaceRuntimeParts } from "@/lib/runtime";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();

const flEdi = destinationPresets.find((p) => p.id === "fl-edi-sftp")!.values;
const communicator = destinationPresets.find((p) => p.id === "communicator-ftps")!.values;

/** The preset as the browser submits it: every field a string. */
function asSubmitted(values: DestinationForm, overrides: Record<string, string> = {}): Record<string, string> {
  const strings = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value === undefined || value === null ? "" : String(value)]));
  return { ...strings, ...overrides };
}

/** The first message per field, as the form shows them. */
function errorsOf(input: Record<string, unknown>): Record<string, string> {
  const result = destinationFormSchema.safeParse(input);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) errors[String(issue.path[0])] ??= issue.message;
  return errors;
}

describe("the payer responses part of the destination form", () => {
  it("accepts a complete response location, trims a trailing slash, and takes the database's defaults for missing keys", () => {
    const parsed = destinationFormSchema.parse(asSubmitted(flEdi, { responseDir: "/outbound/", responseMoveDir: "archive" }));
    expect(parsed).toMatchObject({ responseDir: "/outbound", responseMoveDir: "archive", responsePollSeconds: 300, responseAfterPickup: "move", responseWaitHours: 24 });

    const withoutResponses = Object.fromEntries(Object.entries(asSubmitted(flEdi)).filter(([key]) => !key.startsWith("response")));
    expect(destinationFormSchema.parse(withoutResponses)).toMatchObject({ responseDir: "", responsePattern: "", responsePollSeconds: 300, responseAfterPickup: "leave", responseMoveDir: "", responseWaitHours: 24 });
  });

  it.each([
    ["responseDir", { responseDir: "outbound" }, /Start the folder with \//],
    ["responseDir", { responseDir: "/outbound/../../etc" }, /without "\.\."/],
    ["responseDir", { responseDir: `/${"a".repeat(500)}` }, /under 500 characters/],
    ["responsePattern", { responsePattern: "\\.(999|277" }, /not a valid regular expression.*\\\.\(999\|277\|TA1\)\$/],
    ["responsePattern", { responsePattern: `\\.(${"9".repeat(200)})$` }, /under 200 characters/],
    ["responsePattern", { responsePattern: "^(\\w+)+\\.999$" }, /repeated group that itself repeats/],
    ["responsePollSeconds", { responsePollSeconds: "" }, /Enter how often/],
    ["responsePollSeconds", { responsePollSeconds: "5" }, /10 to 86400 seconds/],
    ["responsePollSeconds", { responsePollSeconds: "86401" }, /10 to 86400 seconds/],
    ["responsePollSeconds", { responsePollSeconds: "90.5" }, /10 to 86400 seconds/],
    ["responseWaitHours", { responseWaitHours: "" }, /Enter how many hours/],
    ["responseWaitHours", { responseWaitHours: "0" }, /1 to 720 hours/],
    ["responseWaitHours", { responseWaitHours: "721" }, /1 to 720 hours/],
    ["responseAfterPickup", { responseAfterPickup: "shred" }, /Choose what happens/],
    ["responseMoveDir", { responseAfterPickup: "move", responseMoveDir: "" }, /Name the folder picked-up files are moved to/],
    ["responseMoveDir", { responseAfterPickup: "move", responseMoveDir: "../archive" }, /without "\.\."/],
    ["responseMoveDir", { responseAfterPickup: "move", responseMoveDir: "/outbound/" }, /another folder than the one checked/],
    ["responseMoveDir", { responseAfterPickup: "move", responseMoveDir: "." }, /another folder than the one checked/],
    ["responsePattern", { responseDir: "/incoming", responsePattern: "" }, /arrive in the upload folder/],
    ["responsePattern", { responseDir: "/incoming/", responsePattern: "\\.TXT$" }, /also takes the upload file name example/],
  ])("refuses %s %j", (field, overrides, message) => {
    const errors = errorsOf(asSubmitted(flEdi, overrides as Record<string, string>));
    expect(Object.keys(errors), JSON.stringify(errors)).toEqual([field]);
    expect(errors[field]).toMatch(message);
  });

  it("does not mistake escaped or bracketed characters for nested repetition", () => {
    expect(errorsOf(asSubmitted(flEdi, { responsePattern: "^[A-Z+*]+(\\+)?\\.(999|TA1)$" }))).toEqual({});
    expect(errorsOf(asSubmitted(flEdi, { responsePattern: "^S\\w+-(\\d{8})-\\d{6}[PT]\\.999$" }))).toEqual({});
  });

  it("answers in the upload folder are fine with a pattern that leaves the uploads out", () => {
    expect(errorsOf(asSubmitted(flEdi, { responseDir: "/incoming", responsePattern: "\\.(999|TA1)$" }))).toEqual({});
  });

  it("an empty folder means not collected; the other fields still have to make sense", () => {
    expect(errorsOf(asSubmitted(flEdi, { responseDir: "", responsePattern: "", responseAfterPickup: "leave", responseMoveDir: "" }))).toEqual({});
    expect(errorsOf(asSubmitted(flEdi, { responseDir: "", responsePattern: "(" }))).toHaveProperty("responsePattern");
  });
});

describe("presets", () => {
  it("FL EDI answers are taken from /outbound by their endings and archived; Communicator's are left for the server's own clean-up", () => {
    expect(flEdi).toMatchObject({ responseDir: "/outbound", responseAfterPickup: "move", responseMoveDir: "/outbound/archive", responseWaitHours: 24, responsePollSeconds: 300 });
    const pattern = new RegExp(flEdi.responsePattern);
    for (const name of ["S000000050A49-20121210-103412P.TA1", "S000000050A49-20121210-103412P.ta1", "S1-20261202-101010P.999", "S1-20261202-101010P.997", "S1-20261202-101010P.277", "REMIT-20261202.835"]) {
      expect(pattern.test(name), name).toBe(true);
    }
    for (const name of ["S000000050A49-20121210-103412P.TXT", "S1.999.part", "README.txt"]) expect(pattern.test(name), name).toBe(false);
    expect(communicator).toMatchObject({ responseDir: "/outbound", responsePattern: "", responseAfterPickup: "leave", responseMoveDir: "", responseWaitHours: 48, responsePollSeconds: 600 });
  });
});

describe("storing the response location", () => {
  it("creates and updates the columns, audited like every destination change, and reads them back into the form", async () => {
    const { actor: admin } = await staff("admin");
    const created = await createDestination(admin, { ...flEdi, name: "FL responses" }, "fl-edi-sftp");
    expect(created).toMatchObject({
      responseDir: "/outbound",
      responsePattern: "\\.([Tt][Aa]1|999|997|277|835)$",
      responsePollSeconds: 300,
      responseAfterPickup: "move",
      responseMoveDir: "/outbound/archive",
      responseWaitHours: 24,
    });
    // The edit form starts from what is stored and saves it unchanged.
    const form = destinationFormSchema.parse(columnsToForm(created));
    expect(form).toMatchObject({ responseDir: "/outbound", responseAfterPickup: "move", responseMoveDir: "/outbound/archive" });

    // "leave" drops the archive folder; an empty pattern is stored as none.
    await updateDestination(admin, created.id, { ...form, responsePattern: "", responseAfterPickup: "leave", responseWaitHours: 72 });
    expect(await getDestination(admin, created.id)).toMatchObject({ responseDir: "/outbound", responsePattern: null, responseAfterPickup: "leave", responseMoveDir: null, responseWaitHours: 72 });

    const db = await getDb();
    const [audit] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "destination.updated"), eq(auditEvents.target, `FL responses (${created.id})`))).orderBy(desc(auditEvents.id)).limit(1);
    expect((audit.detail as { changed: string[] }).changed.sort()).toEqual(["responseAfterPickup", "responseMoveDir", "responsePattern", "responseWaitHours"]);

    // No folder: the payer's answers are not collected.
    await updateDestination(admin, created.id, { ...form, responseDir: "" });
    expect((await getDestination(admin, created.id)).responseDir).toBeNull();
  });

  it("real payers are looked at no more than once a minute; sandbox payers (private destinations allowed) every 10 s", async () => {
    const { actor: admin } = await staff("admin");
    const quick = { ...communicator, name: "Quick", responsePollSeconds: 10 };
    const sandboxSwitch = process.env.ALLOW_PRIVATE_DESTINATIONS;
    const setSandboxSwitch = (value: string | undefined) => {
      if (value === undefined) delete process.env.ALLOW_PRIVATE_DESTINATIONS;
      else process.env.ALLOW_PRIVATE_DESTINATIONS = value;
      resetEnvCache();
    };
    try {
      setSandboxSwitch("true");
      await expect(createDestination(admin, { ...quick, name: "Quick sandbox" })).resolves.toMatchObject({ responsePollSeconds: 10 });

      setSandboxSwitch("false");
      const refused = await createDestination(admin, { ...quick, name: "Quick real" }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(UserInputError);
      expect(refused).toMatchObject({ field: "responsePollSeconds", message: expect.stringMatching(/once a minute/) });
      await expect(createDestination(admin, { ...quick, name: "Polite real", responsePollSeconds: 60 })).resolves.toMatchObject({ responsePollSeconds: 60 });
    } finally {
      setSandboxSwitch(sandboxSwitch);
    }
  });
});

describe("the account's response pickup status", () => {
  it("shows not collected, not checked yet, OK with the time, or the failure with its code and message", async () => {
    const { actor: admin } = await staff("admin");
    const partner = await partnerIn();
    const collected = await createDestination(admin, { ...flEdi, name: "Collected" });
    const silent = await createDestination(admin, { ...flEdi, name: "Silent", responseDir: "" });
    const db = await getDb();
    const [account] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: collected.id, username: "clinic" }).returning();
    const [other] = await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: silent.id, username: "clinic" }).returning();
    const statusOf = async (id: string) => (await listPartnerAccounts(partner.actor, {})).find((row) => row.account.id === id)!.responses;

    expect(await statusOf(other.id)).toEqual({ state: "not_collected" });
    expect(await statusOf(account.id)).toEqual({ state: "not_checked_yet" });

    await recordResponsePollOutcome(db, account.id, { ok: true });
    const ok = await statusOf(account.id);
    expect(ok).toMatchObject({ state: "ok", checkedAt: expect.any(Date) });

    await recordResponsePollOutcome(db, account.id, { ok: false, code: "REMOTE_DIR_NOT_FOUND", message: "The folder /outbound does not exist." });
    const failed = await statusOf(account.id);
    expect(failed).toMatchObject({ state: "failed", code: "REMOTE_DIR_NOT_FOUND", message: "The folder /outbound does not exist.", lastOkAt: expect.any(Date) });

    // Admins see the same on every organisation's accounts.
    expect((await listPartnerAccounts(admin, { destinationId: collected.id }))[0].responses).toEqual(failed);

    await recordResponsePollOutcome(db, account.id, { ok: true });
    expect(await statusOf(account.id)).toMatchObject({ state: "ok" });
  });
});

describe("check for responses now", () => {
  it("partners on their own accounts, admins and support on any; another organisation's account is not found", async () => {
    const polled: string[] = [];
    const restore = replaceRuntimeParts({ relayQueue: { enqueue: async () => undefined, pollResponsesNow: async (id) => void polled.push(id) } });
    try {
      const { actor: admin } = await staff("admin");
      const { actor: support } = await staff("support");
      const mine = await partnerIn();
      const theirs = await partnerIn();
      const destination = await createDestination(admin, { ...flEdi, name: "Poll me" });
      const db = await getDb();
      const [account] = await db.insert(partnerAccounts).values({ organisationId: mine.organisation.id, destinationId: destination.id, username: "mine" }).returning();

      await requestResponsePoll(mine.actor, account.id);
      await requestResponsePoll(admin, account.id);
      await requestResponsePoll(support, account.id);
      expect(polled).toEqual([account.id, account.id, account.id]);

      await expect(requestResponsePoll(theirs.actor, account.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(requestResponsePoll(theirs.actor, crypto.randomUUID())).rejects.toBeInstanceOf(NotFoundError);
      expect(polled).toHaveLength(3);
    } finally {
      restore();
    }
  });

  it("the action is open to exactly the roles the service serves", async () => {
    const { checkResponsesNowAction } = await import("@/app/responses/poll-actions");
    expect(actionPolicyOf(checkResponsesNowAction)).toMatchObject({ name: "responses.checkNow", access: { roles: ["partner", "admin", "support"] } });
  });
});

describe("the guide for a transfer the payer never answered", () => {
  it("NO_RESPONSE points to the article; other stops explain themselves", () => {
    const guide = guideForStopCode("NO_RESPONSE");
    expect(guide).toBe(guideBySlug("no-payer-response"));
    expect(guide?.kind).toBe("article");
    expect(guideForStopCode("CANCELLED")).toBeUndefined();
  });
});

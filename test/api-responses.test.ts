import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { GET as getResponse } from "@/app/api/v1/responses/[id]/route";
import { GET as getContent } from "@/app/api/v1/responses/[id]/content/route";
import { GET as listResponses } from "@/app/api/v1/responses/route";
import { GET as getTransfer } from "@/app/api/v1/transfers/[id]/route";
import { GET as listTransfers } from "@/app/api/v1/transfers/route";
import { createApiToken } from "@/lib/api/tokens";
import { errorSchema, responseFileListSchema, responseFileSchema, transferDetailSchema, transferListSchema } from "@/lib/api/schemas";
import { buildPayerAnswers } from "@/lib/sandbox/x12-answers";
import { actorFor, createUser } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";
import { deliveredSubmission, organisationWithResponses, pickUp, type ResponseScenario } from "@/test/support/payer-responses";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

useTemporaryPortalEnv();
withTestDatabase();

const BASE = "http://portal.test/api/v1";
const get = (token: string, url: string) => new Request(url, { headers: { authorization: `Bearer ${token}` } });
const params = (id: string) => ({ params: Promise.resolve({ id }) });

async function tokenFor(scenario: ResponseScenario) {
  const user = await createUser({ role: "partner", organisationId: scenario.organisation.id });
  return (await createApiToken(await actorFor(user.id), { name: "billing system" })).token;
}

/** A rejected submission (no billing provider NPI) with its TA1 and 999 picked up, and an unlinked 835-like file. */
async function rejectedSubmission() {
  const scenario = await organisationWithResponses();
  const { transfer, text } = await deliveredSubmission(scenario, { interchangeControlNumber: crypto.randomInt(1, 999_999_999), claims: [{ patientControlNumber: "API-9", charge: "50.00", billingProviderNpi: null }] });
  const answers = (await buildPayerAnswers(text))!;
  await pickUp(scenario, "API.TA1", answers.ta1, { stage: true });
  const ack = await pickUp(scenario, "API.999", answers.ack999, { stage: true });
  const stray = await pickUp(scenario, "REMIT.835", "not an X12 file at all", { stage: true });
  return { scenario, transfer, ack999: answers.ack999!, ackId: ack.outcome === "recorded" ? ack.responseFileId : "", strayId: stray.outcome === "recorded" ? stray.responseFileId : "" };
}

describe("payer responses in the partner API", () => {
  it("GET /transfers/{id} carries the payer's answers, each error in plain English beside its raw segment", async () => {
    const { scenario, transfer } = await rejectedSubmission();
    const token = await tokenFor(scenario);
    const detail = transferDetailSchema.parse(await (await getTransfer(get(token, `${BASE}/transfers/${transfer.id}`), params(transfer.id))).json());
    expect(detail.payerResponse).toBe("rejected");
    expect(detail.responses.map((response) => [response.stage, response.verdict])).toEqual([
      ["TA1", "accepted"],
      ["999", "rejected"],
    ]);
    const error = detail.responses[1].errors.find((e) => e.claim === "API-9" && /NM109/.test(e.message));
    expect(error?.message).toMatch(/loop 2010AA/);
    expect(error?.segment).toMatch(/^IK3\*NM1\*/);

    const rejected = transferListSchema.parse(await (await listTransfers(get(token, `${BASE}/transfers?response=rejected`))).json());
    expect(rejected.data.map((row) => [row.id, row.payerResponse])).toEqual([[transfer.id, "rejected"]]);
    const accepted = transferListSchema.parse(await (await listTransfers(get(token, `${BASE}/transfers?response=accepted`))).json());
    expect(accepted.data).toEqual([]);
  });

  it("GET /responses lists the organisation's payer files with filters and a cursor; one file and its bytes as an attachment", async () => {
    const { scenario, ackId, strayId, ack999 } = await rejectedSubmission();
    const token = await tokenFor(scenario);
    const all = responseFileListSchema.parse(await (await listResponses(get(token, `${BASE}/responses`))).json());
    expect(all.data.map((file) => file.fileName).sort()).toEqual(["API.999", "API.TA1", "REMIT.835"]);

    const unlinked = responseFileListSchema.parse(await (await listResponses(get(token, `${BASE}/responses?linked=no`))).json());
    expect(unlinked.data.map((file) => [file.id, file.kind, file.linkedTransfers])).toEqual([[strayId, "unreadable", 0]]);
    const rejections = responseFileListSchema.parse(await (await listResponses(get(token, `${BASE}/responses?kind=999&verdict=rejected`))).json());
    expect(rejections.data.map((file) => file.id)).toEqual([ackId]);

    const first = responseFileListSchema.parse(await (await listResponses(get(token, `${BASE}/responses?limit=2`))).json());
    expect(first.data).toHaveLength(2);
    const second = responseFileListSchema.parse(await (await listResponses(get(token, `${BASE}/responses?limit=2&cursor=${first.nextCursor}`))).json());
    expect([...first.data, ...second.data].map((file) => file.id).sort()).toEqual(all.data.map((file) => file.id).sort());
    expect(second.nextCursor).toBeNull();

    const one = responseFileSchema.passthrough().parse(await (await getResponse(get(token, `${BASE}/responses/${ackId}`), params(ackId))).json());
    expect(one).toMatchObject({ kind: "999", verdict: "rejected", linkedTransfers: 1 });
    const content = await getContent(get(token, `${BASE}/responses/${ackId}/content`), params(ackId));
    expect(content.status).toBe(200);
    expect(content.headers.get("content-disposition")).toBe('attachment; filename="API.999"; filename*=UTF-8\'\'API.999');
    expect(content.headers.get("content-type")).toBe("application/octet-stream");
    expect(content.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await content.text()).toBe(ack999);
  });

  it("another organisation's payer files answer exactly like missing ones", async () => {
    const { ackId } = await rejectedSubmission();
    const other = await tokenFor(await organisationWithResponses());
    for (const response of [await getResponse(get(other, `${BASE}/responses/${ackId}`), params(ackId)), await getContent(get(other, `${BASE}/responses/${ackId}/content`), params(ackId))]) {
      expect(response.status).toBe(404);
      expect(errorSchema.parse(await response.json()).error.code).toBe("NOT_FOUND");
    }
    const listed = responseFileListSchema.parse(await (await listResponses(get(other, `${BASE}/responses`))).json());
    expect(listed.data).toEqual([]);
    const bad = await listResponses(get(other, `${BASE}/responses?organisationId=${crypto.randomUUID()}`));
    expect(bad.status).toBe(400);
  });
});

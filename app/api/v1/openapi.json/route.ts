import { jsonResponse } from "@/lib/api/errors";
import { openApiDocument } from "@/lib/api/openapi";
import { env } from "@/lib/env";
import { defineRoute } from "@/lib/http/define-route";

export const dynamic = "force-dynamic";

/** The API description, public like any API reference: it holds no data and no secrets. */
export const GET = defineRoute({ name: "api.openapi", access: { public: true } }, () =>
  jsonResponse(openApiDocument(env().PUBLIC_URL), 200, { "cache-control": "public, max-age=300" }),
);

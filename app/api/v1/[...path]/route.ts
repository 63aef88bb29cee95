import { ApiError } from "@/lib/api/errors";
import { defineRoute } from "@/lib/http/define-route";

export const dynamic = "force-dynamic";

/** Unknown API paths answer in the API's JSON error shape rather than with the portal's HTML page. */
const unknownPath = defineRoute({ name: "api.unknownPath", access: { public: true } }, () => {
  throw new ApiError(404, "NOT_FOUND", "There is no such API endpoint. The operations are listed in /api/v1/openapi.json.");
});

export { unknownPath as GET, unknownPath as POST, unknownPath as PUT, unknownPath as PATCH, unknownPath as DELETE };

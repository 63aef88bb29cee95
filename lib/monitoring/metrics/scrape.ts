import "server-only";
import { collectMetricFigures } from "@/lib/monitoring/metrics/figures";
import { renderMetrics } from "@/lib/monitoring/metrics/registry";

/*
 * One scrape of GET /api/metrics. Scrapes that arrive while one is reading the database share its
 * answer (several Prometheus servers, or a retry), so a burst of scrapes costs one set of statements.
 */

let inFlight: Promise<{ contentType: string; body: string }> | undefined;

/** For a monitoring token, which the route has checked (metrics have no session reader). */
export async function scrapeMetrics(token: { scope: "monitoring" }): Promise<{ contentType: string; body: string }> {
  if (token.scope !== "monitoring") throw new Error("not a monitoring token");
  inFlight ??= collectMetricFigures()
    .then(renderMetrics)
    .finally(() => {
      inFlight = undefined;
    });
  return inFlight;
}

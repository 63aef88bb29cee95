import { scrapeMetrics } from "@/lib/monitoring/metrics/scrape";
import { defineRoute } from "@/lib/http/define-route";

export const dynamic = "force-dynamic";

/**
 * Prometheus metrics (text format 0.0.4) for a scraper holding a monitoring token. The figures
 * about transfers, relays, queues, uploads and pickups are the cluster's (read from the database at
 * scrape time); the event loop, memory and CPU are this process's. docs/deploy.md has the scrape
 * configuration, docs/grafana-dashboard.json a dashboard.
 */
export const GET = defineRoute(
  {
    name: "metrics",
    access: { monitoringToken: true },
  },
  async (_request, caller) => {
    const { contentType, body } = await scrapeMetrics(caller.monitoringToken);
    return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  },
);

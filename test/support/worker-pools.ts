// Every test process gets the worker pools the portal's entry would start (threads start on first
// use and exit when idle), so services that hand work to a thread run as in production.
import { startWorkerPools } from "@/lib/workers/start";

startWorkerPools({ relayConcurrency: 4 });

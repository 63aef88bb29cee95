import { describe, expect, it } from "vitest";
import { destinationLabeller, LabelledSums, MAX_LABELLED_DESTINATIONS, OTHER_DESTINATION } from "@/lib/monitoring/metrics/destination-labels";
import { ATTEMPT_DURATION_BUCKETS_MS, durationBucketMs, LONGER_THAN_LAST_BUCKET } from "@/lib/monitoring/metrics/buckets";

describe("destination labels", () => {
  it("labels the listed destinations by id and name and folds every other one into one 'other' series", () => {
    const listed = Array.from({ length: MAX_LABELLED_DESTINATIONS }, (_, index) => ({ id: `d${index}`, name: `Payer ${index}` }));
    const label = destinationLabeller(listed);
    expect(label("d7")).toEqual({ destination_id: "d7", destination: "Payer 7" });
    expect(label("d-late-1")).toEqual(OTHER_DESTINATION);

    const sums = new LabelledSums<{ destination_id: string; destination: string; status: string }>();
    for (const id of ["d1", "late-1", "late-2", "late-3", "d1"]) sums.add({ ...label(id), status: "queued" }, 2);
    expect(sums.entries()).toEqual([
      { labels: { destination_id: "d1", destination: "Payer 1", status: "queued" }, value: 4 },
      { labels: { ...OTHER_DESTINATION, status: "queued" }, value: 6 },
    ]);
  });
});

describe("attempt-duration buckets", () => {
  it("counts an attempt in the smallest bound at least as long, and past the last one in +Inf only", () => {
    expect(durationBucketMs(0)).toBe(1000);
    expect(durationBucketMs(1000)).toBe(1000);
    expect(durationBucketMs(1001)).toBe(5000);
    expect(durationBucketMs(ATTEMPT_DURATION_BUCKETS_MS.at(-1)!)).toBe(3_600_000);
    expect(durationBucketMs(3_600_001)).toBe(LONGER_THAN_LAST_BUCKET);
  });
});

/*
 * Destination labels with a bound: the oldest MAX_LABELLED_DESTINATIONS destinations are labelled by
 * id and name, every later one shares destination_id="other", so a portal with thousands of
 * destinations still exposes a bounded number of series. The set is stable from scrape to scrape
 * (by creation time), so series do not jump between a name and "other".
 *
 * A destination's name is what an admin called the payer ("Florida Blue SFTP"): no secret, no
 * patient data, no partner. Organisations, accounts, users and file names are never labels.
 */

export const MAX_LABELLED_DESTINATIONS = 100;

export const OTHER_DESTINATION = { destination_id: "other", destination: "other" } as const;

export interface DestinationLabels {
  destination_id: string;
  destination: string;
}

export type DestinationLabeller = (destinationId: string) => DestinationLabels;

export function destinationLabeller(labelled: Array<{ id: string; name: string }>): DestinationLabeller {
  const byId = new Map(labelled.map((row) => [row.id, { destination_id: row.id, destination: row.name }]));
  return (destinationId) => byId.get(destinationId) ?? OTHER_DESTINATION;
}

/** Adds values up per label set: destinations folded into "other" become one series. */
export class LabelledSums<L extends object> {
  private readonly sums = new Map<string, { labels: L; value: number }>();

  add(labels: L, value: number): void {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    const entry = this.sums.get(key);
    if (entry) entry.value += value;
    else this.sums.set(key, { labels, value });
  }

  entries(): Array<{ labels: L; value: number }> {
    return [...this.sums.values()];
  }
}

import "server-only";
import { and, eq, isNotNull, isNull, lte, or, sql } from "drizzle-orm";
import type { Executor } from "@/db/executor";
import { destinations, partnerAccounts } from "@/db/schema";

/*
 * When each partner account's response location is polled next, and how the last poll went (shown
 * on the account's status). The schedule is claimed with a compare-and-set on the due time, so
 * two schedulers never queue the same account twice for one turn.
 */

export interface DueResponsePoll {
  accountId: string;
  organisationId: string;
  pollSeconds: number;
}

/** Accounts on enabled destinations with a response location whose turn has come. */
export async function findDueResponsePolls(db: Executor, now: Date, limit = 200): Promise<DueResponsePoll[]> {
  return db
    .select({ accountId: partnerAccounts.id, organisationId: partnerAccounts.organisationId, pollSeconds: destinations.responsePollSeconds })
    .from(partnerAccounts)
    .innerJoin(destinations, eq(destinations.id, partnerAccounts.destinationId))
    .where(
      and(
        isNotNull(destinations.responseDir),
        isNull(destinations.disabledAt),
        isNull(partnerAccounts.disabledAt),
        or(isNull(partnerAccounts.responsesNextPollAt), lte(partnerAccounts.responsesNextPollAt, now)),
      ),
    )
    .orderBy(sql`${partnerAccounts.responsesNextPollAt} asc nulls first`)
    .limit(limit);
}

/** Moves the account's next turn forward; false when another scheduler already did. */
export async function claimResponsePollTurn(db: Executor, accountId: string, now: Date, nextAt: Date): Promise<boolean> {
  const rows = await db
    .update(partnerAccounts)
    .set({ responsesNextPollAt: nextAt })
    .where(and(eq(partnerAccounts.id, accountId), or(isNull(partnerAccounts.responsesNextPollAt), lte(partnerAccounts.responsesNextPollAt, now))))
    .returning({ id: partnerAccounts.id });
  return rows.length > 0;
}

export async function recordResponsePollOutcome(db: Executor, accountId: string, outcome: { ok: true } | { ok: false; code: string; message: string }): Promise<void> {
  await db
    .update(partnerAccounts)
    .set(
      outcome.ok
        ? { responsesPolledAt: sql`now()`, responsesLastOkAt: sql`now()`, responsesErrorCode: null, responsesErrorMessage: null }
        : { responsesPolledAt: sql`now()`, responsesErrorCode: outcome.code, responsesErrorMessage: outcome.message },
    )
    .where(eq(partnerAccounts.id, accountId));
}

/** The destination's response location changed: every account on it is checked at the next tick, and its old error goes. */
export async function resetResponsePolls(db: Executor, destinationId: string): Promise<void> {
  await db
    .update(partnerAccounts)
    .set({ responsesNextPollAt: null, responsesErrorCode: null, responsesErrorMessage: null })
    .where(eq(partnerAccounts.destinationId, destinationId));
}

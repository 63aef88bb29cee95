import crypto from "node:crypto";
import { expect } from "vitest";
import { getDatabaseHandle } from "@/db/client";

/*
 * A use case that owns its transaction must leave nothing behind when its last write fails. These
 * make the database refuse one insert, as a crash or a full disk would at that moment.
 */

/** Runs `work` while inserts into `table` matching `when` (an SQL condition on NEW) fail. */
export async function withFailingInsert<T>(table: "audit_events" | "users", when: string, work: () => Promise<T>): Promise<T> {
  const { raw } = await getDatabaseHandle();
  const name = `test_injected_failure_${crypto.randomBytes(4).toString("hex")}`;
  // DDL takes no bind parameters: the condition is written by the test itself, never by input.
  await raw.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure at %', TG_TABLE_NAME; END $$`);
  await raw.query(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`);
  try {
    return await work();
  } finally {
    await raw.query(`DROP TRIGGER ${name} ON ${table}`);
    await raw.query(`DROP FUNCTION ${name}()`);
  }
}

/** Expects `work` to fail with the injected error (drizzle wraps it: it is somewhere in the cause chain). */
export async function expectInjectedFailure(work: () => Promise<unknown>): Promise<void> {
  const error = await work().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  const messages: string[] = [];
  for (let current = error as { message?: string; cause?: unknown } | undefined; current; current = current.cause as typeof current) messages.push(String(current.message));
  expect(messages.join(" / ")).toMatch(/injected failure/);
}

/** The use case fails at its audit row of `action` (its last write), with the injected error. */
export async function failsAtAudit(action: string, work: () => Promise<unknown>): Promise<void> {
  await withFailingInsert("audit_events", `NEW.action = '${action.replace(/'/g, "''")}'`, () => expectInjectedFailure(work));
}

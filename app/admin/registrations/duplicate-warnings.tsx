import Link from "next/link";
import type { DuplicateOrganisation } from "@/lib/organisations/service";

const WHO: Record<DuplicateOrganisation["status"], string> = {
  approved: "An approved organisation",
  pending: "Another pending registration",
  rejected: "A rejected registration",
};

/** One sentence per other organisation: who it is and what it shares with this registration. */
export function duplicateSentence(duplicate: DuplicateOrganisation): string {
  const who = `${WHO[duplicate.status]} “${duplicate.name}”`;
  if (duplicate.sameName && duplicate.sameSubmitterId) return `${who} already uses this name and submitter ID ${duplicate.submitterId}.`;
  if (duplicate.sameSubmitterId) return `${who} already uses submitter ID ${duplicate.submitterId}.`;
  return `${who} already uses this name (its submitter ID is ${duplicate.submitterId}).`;
}

/**
 * Shown on a pending registration before the admin decides: a second organisation with the same
 * name or submitter ID is a mistake, a re-registration, or someone posing as that organisation.
 */
export function DuplicateWarnings({ registration, duplicates }: { registration: { name: string }; duplicates: DuplicateOrganisation[] }) {
  if (duplicates.length === 0) return null;
  return (
    <section aria-label={`Possible duplicates of ${registration.name}`} className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
      <h3 className="font-semibold">Check before deciding: possible duplicate</h3>
      <ul className="mt-1 list-disc space-y-1 pl-5">
        {duplicates.map((duplicate) => (
          <li key={duplicate.id}>
            {duplicateSentence(duplicate)}{" "}
            <Link href={`/admin/organisations/${duplicate.id}`} className="underline" aria-label={`Open ${duplicate.name}`}>
              Open it
            </Link>
          </li>
        ))}
      </ul>
      <p className="mt-1">Compare the contact with the payer&apos;s enrollment records; approve only if this is a genuinely separate organisation.</p>
    </section>
  );
}

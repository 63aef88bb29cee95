import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/app/app-shell";
import { requirePageRole } from "@/lib/auth/session";
import { destinationPresets } from "@/lib/destinations/presets";
import { createDestinationAction } from "@/app/admin/destinations/actions";
import { DestinationForm } from "@/app/admin/destinations/destination-form";

export const metadata: Metadata = { title: "New destination" };

const blank: Record<string, string> = {
  protocol: "sftp",
  port: "22",
  remoteDir: "/incoming",
  auth: "password_and_key",
  keyBitsMode: "exact",
  keyBits: "2048",
  keyRotationDays: "365",
  algorithmProfile: "modern",
  tlsMode: "ca",
  maxFileMiB: "100",
  uploadStrategy: "temp_then_rename",
  tempSuffix: ".part",
  x12Policy: "block",
  relayConcurrency: "2",
  responseDir: "",
  responsePollSeconds: "300",
  responseAfterPickup: "leave",
  responseWaitHours: "24",
};

function toStrings(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined || v === null ? "" : String(v)]));
}

export default async function NewDestinationPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageRole("admin");
  const { preset: presetId } = await searchParams;
  const preset = destinationPresets.find((p) => p.id === presetId);
  return (
    <>
      <PageHeader title="New destination" description="Start from a preset for a payer we know, or fill in the server's details yourself." />
      <nav aria-label="Presets" className="mb-6 grid gap-3 sm:grid-cols-2">
        {destinationPresets.map((p) => (
          <Link
            key={p.id}
            href={`/admin/destinations/new?preset=${p.id}`}
            aria-current={p.id === preset?.id ? "true" : undefined}
            className={`rounded-lg border bg-white p-4 text-sm ${p.id === preset?.id ? "border-brand-600 ring-2 ring-brand-100" : "border-slate-200"}`}
          >
            <span className="font-medium text-brand-700">{p.label}</span>
            <span className="mt-1 block text-slate-600">{p.description}</span>
          </Link>
        ))}
      </nav>
      <div className="rounded-lg border border-slate-200 bg-white p-6">
        <DestinationForm
          key={preset?.id ?? "blank"}
          action={createDestinationAction}
          initial={preset ? toStrings(preset.values) : blank}
          hidden={preset ? { preset: preset.id } : undefined}
          submitLabel="Create destination"
        />
      </div>
    </>
  );
}

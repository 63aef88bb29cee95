import type { Guide, RenderedGuide } from "@/lib/guides/types";

/** Every piece of text a guide shows, one entry per field, for checks that scan all of it. */
export function guideTexts(guide: Guide | RenderedGuide): string[] {
  const steps = [...guide.partnerItSteps, ...guide.userSteps].flatMap((step) => [step.text, step.command ?? ""]);
  return [guide.title, guide.summary, guide.meaning, ...guide.causes, ...steps, ...(guide.supportNotes ?? [])].filter(Boolean);
}

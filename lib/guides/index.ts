/** The troubleshooting knowledge base: guides per failure code, articles, search, and client setup. */
export type { Guide, GuideContext, ProtocolFamily, RenderedGuide, RenderedStep, Step } from "@/lib/guides/types";
export { GUIDES, guideBySlug, guideForCode, guideForStopCode, relatedGuides } from "@/lib/guides/catalog";
export { renderGuide, guideContextFor, protocolFamily } from "@/lib/guides/render";
export { egressIpSentence, egressIpsInProse, PLACEHOLDER_NAMES, type PlaceholderName } from "@/lib/guides/placeholders";
export { searchGuides, type GuideSearchResult } from "@/lib/guides/search";
export { clientSetup } from "@/lib/guides/client-setup";
export type * from "@/lib/guides/client-setup/types";

/** The troubleshooting knowledge base: guides per failure code, articles, search, and client setup. */
export type { Guide, GuideContext, ProtocolFamily, RenderedGuide, RenderedStep, Step } from "./types";
export { GUIDES, guideBySlug, guideForCode, relatedGuides } from "./catalog";
export { renderGuide, guideContextFor, protocolFamily } from "./render";
export { egressIpSentence, egressIpsInProse, PLACEHOLDER_NAMES, type PlaceholderName } from "./placeholders";
export { searchGuides, type GuideSearchResult } from "./search";
export { clientSetup } from "./client-setup";
export type * from "./client-setup/types";

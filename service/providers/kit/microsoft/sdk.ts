// The Graph SDK (CommonJS), required at its first use rather than when the registry loads.
import { requireOnFirstUse } from "../lazy-sdk.ts";

export const graphSdk = requireOnFirstUse<typeof import("@microsoft/microsoft-graph-client")>(
  "@microsoft/microsoft-graph-client",
);

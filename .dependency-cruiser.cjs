// Layer rules for `npm run check:layers` (dependency-cruiser). README "Lint, format and layers"
// explains them; a failure names the rule and the import that broke it.
const STANDINS = "^(standins|service/sandbox)/";
// One folder per provider; kit/ is the shared provider kit, not a provider.
const PROVIDER = "^service/providers/(?!kit/)[^/]+/";
const REGISTRY = "^service/providers/[^/]+\\.ts$";
const FEATURES =
  "^service/(inbox|calendars|webhooks|booking|reminders|integrations|artists|auth|admin|payments|jobs|realtime|health|dev|web|storage|mail|home|clients|threads)/";
const COMPOSITION = "^service/(http/|boot\\.ts$|main\\.ts$|server\\.ts$|worker\\.ts$|vercel[^/]*$|context\\.ts$)";
const FOUNDATION = "^service/(config|observability|db|security|concurrency|time)/|^service/paths\\.ts$";
// The web app's only way into service/: the zod request schemas and the style vocabulary, so it
// shares validation with the API without pulling in server code (nothing else may be reachable from web/).
const SHARED_WITH_WEB = "^service/[^/]+/schemas\\.ts$|^service/artists/styles\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "product-imports-standins",
      comment: "Product code never imports the stand-ins (dev-only fakes of the providers).",
      severity: "error",
      from: { path: "^service/", pathNot: STANDINS },
      to: { path: STANDINS },
    },
    {
      name: "standins-import-product",
      comment: "Stand-ins model the real APIs on their own; importing the code they check would hide its bugs.",
      severity: "error",
      from: { path: STANDINS },
      to: { path: "^service/", pathNot: STANDINS },
    },
    {
      name: "provider-imports-provider",
      comment: "A provider folder uses only its own files and the shared kit (service/providers/kit).",
      severity: "error",
      from: { path: "^service/providers/((?!kit/)[^/]+)/" },
      to: { path: PROVIDER, pathNot: "^service/providers/$1/" },
    },
    {
      name: "kit-imports-higher-layer",
      comment:
        "The provider kit sits under the providers: no provider folder, registry, feature or composition module.",
      severity: "error",
      from: { path: "^service/providers/kit/" },
      to: { path: [PROVIDER, REGISTRY, FEATURES, COMPOSITION] },
    },
    {
      name: "provider-imports-feature",
      comment: "Providers sit under the features: no feature or composition module (the AppContext type is fine).",
      severity: "error",
      from: { path: PROVIDER },
      to: {
        path: [REGISTRY, FEATURES, COMPOSITION],
        pathNot: "^service/context\\.ts$",
      },
    },
    {
      name: "provider-imports-context-value",
      comment: "service/context.ts may be imported by a provider for its types only.",
      severity: "error",
      from: { path: PROVIDER },
      to: { path: "^service/context\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "foundation-imports-higher-layer",
      comment: "config, observability, db, security and concurrency are the bottom layer.",
      severity: "error",
      from: { path: FOUNDATION },
      to: { path: ["^service/providers/", FEATURES, COMPOSITION] },
    },
    {
      name: "web-imports-server",
      comment:
        "The web app talks to the service over HTTP; from service/ it may use only the zod schemas and the style list, and nothing those import from service/ or cli/.",
      severity: "error",
      from: { path: "^web/" },
      to: { path: "^(service|cli)/", pathNot: SHARED_WITH_WEB, reachable: true },
    },
    {
      name: "service-imports-tooling",
      comment: "The service does not depend on the CLI, the tests or the benchmarks.",
      severity: "error",
      from: { path: "^service/" },
      to: { path: "^(cli|test|bench)/" },
    },
    {
      name: "no-cycles",
      comment: "No import cycles in service/ or cli/.",
      severity: "error",
      from: { path: "^(service|cli)/" },
      to: { circular: true },
    },
    {
      name: "context-imports-values",
      comment: "service/context.ts only describes AppContext: type imports only, so it never closes a runtime cycle.",
      severity: "error",
      from: { path: "^service/context\\.ts$" },
      to: { dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^service/db/generated/", "^web/dist/"] },
    includeOnly: "^(service|cli|web|standins|test|bench|scripts)/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".mts", ".js", ".mjs", ".json"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

// provider.scope: at T-0 the deployed app's provider switches match the launch scope — every
// in-scope integration's switch on, every out-of-scope one off (a half-configured provider the
// launch did not plan for must not take traffic).
import { AdminApi } from "../clients/tatu-admin-api.ts";
import { expectedSwitches, launchScope } from "../runbook/scope.ts";
import { fail, guarded, pass } from "./results.ts";
import type { Step } from "./types.ts";

export const providerScopeStep: Step = {
  id: "provider.scope",
  title: "Provider switches match the launch scope (in scope on, not in this launch off)",
  run: (ctx) =>
    guarded(async () => {
      const scope = launchScope(ctx.env);
      const expected = expectedSwitches(scope);
      const switches = (await new AdminApi(ctx.baseUrl, ctx.env, ctx.operator).switches()).filter(
        (s) => s.kind === "provider",
      );
      const state = new Map(switches.map((s) => [s.name.replace(/^provider\./, ""), s]));
      const offButInScope = expected.on.filter((p) => state.get(p)?.enabled === false);
      const unknownToApp = expected.on.filter((p) => !state.has(p));
      const onButOut = expected.off.filter((p) => state.get(p)?.enabled !== false && state.has(p));
      const problems = [
        ...offButInScope.map((p) => {
          const reason = state.get(p)?.reason;
          return `${p} is in this launch but switched off${reason ? ` (${reason})` : ""}: \`tatu provider enable ${p}\``;
        }),
        ...unknownToApp.map(
          (p) => `${p} is in this launch but the deployed app has no switch for it (older deployment?)`,
        ),
        ...onButOut.map((p) => `${p} is not in this launch but switched on: \`tatu provider disable ${p}\``),
      ];
      const details = { scope: scope.source, expectedOn: expected.on, expectedOff: expected.off, switches };
      return problems.length
        ? fail(`${problems.length} switch(es) do not match the launch scope: ${problems.join("; ")}`, details)
        : pass(
            `${expected.on.length} in-scope provider(s) on${expected.off.length ? `, ${expected.off.length} not in this launch off (${expected.off.join(", ")})` : ""}`,
            details,
          );
    }),
};

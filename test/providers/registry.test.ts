// The provider registry is generated from the folders under service/providers/ and every list
// of ids, sources and smoke names is derived from it; errors leave it classified.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generatedFiles } from "../../scripts/gen-providers.ts";
import { channelSmokes, providerIds, providerOfSource, webhookSources } from "../../service/providers/catalog.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type { ChannelProvider } from "../../service/providers/kit/channel.ts";
import {
  allCalendarProviders,
  allChannelProviders,
  channelProvider,
  registerProvider,
  webhookHandler,
} from "../../service/providers/registry.ts";

const root = path.resolve("service/providers");

describe("provider registry", () => {
  it("is generated from the provider folders and up to date (run `npm run gen:providers`)", async () => {
    for (const [name, text] of Object.entries(await generatedFiles(root)))
      expect(fs.readFileSync(path.join(root, name), "utf8"), name).toBe(text);
  });

  it("has one id per provider and every kind's lists come from it", () => {
    expect(new Set(providerIds).size).toBe(providerIds.length);
    expect(allChannelProviders().map((p) => p.id)).toEqual([
      "gmail",
      "outlook",
      "yahoo",
      "facebook",
      "instagram",
      "twitter",
      "twilio",
    ]);
    expect(allCalendarProviders().map((p) => p.id)).toEqual([
      "google-calendar",
      "outlook-calendar",
      "apple-calendar",
      "square",
    ]);
    expect(providerIds).toContain("stripe");
  });

  it("has a handler for every webhook source a meta.ts lists, owned by that provider", () => {
    expect(webhookSources.sort()).toEqual(["facebook", "instagram", "stripe", "twilio", "twilio-status"]);
    for (const source of webhookSources) expect(webhookHandler(source)?.source, source).toBe(source);
    expect(providerOfSource("twilio-status")).toBe("twilio");
    expect(webhookHandler("nope")).toBeUndefined();
  });

  it("derives `tatu smoke` names, Hotmail as an alias of Outlook", () => {
    expect(channelSmokes.map((s) => s.name)).toEqual([
      "gmail",
      "outlook",
      "hotmail",
      "yahoo",
      "facebook",
      "instagram",
      "twitter",
      "sms",
    ]);
    expect(channelSmokes.find((s) => s.name === "hotmail")?.provider).toBe("outlook");
  });

  it("classifies what a provider throws once, in the registry (sync, send and connect)", async () => {
    const raw = new Error("socket hang up");
    const classify = (err: unknown) => new ProviderError("transient", "classified", { code: "FAKE_DOWN", cause: err });
    const fake: ChannelProvider = {
      id: "fake-classify",
      label: "Fake",
      kind: "channel",
      order: 999,
      identityKind: "email",
      capabilities: { attachments: false, webhooks: false },
      connect: {
        kind: "oauth",
        route: "fake-classify",
        authorizationUrl: () => {
          throw raw;
        },
        exchangeCode: async () => {
          throw raw;
        },
        redirectUri: () => "",
      },
      async *sync() {
        yield { messages: [], cursor: {} };
        throw raw;
      },
      send: async () => {
        throw raw;
      },
      classifyError: classify,
      smoke: async () => ({ ok: true, checks: [] }),
    };
    registerProvider(fake);
    const p = channelProvider("fake-classify")!;
    const pages: unknown[] = [];
    const syncErr = await (async () => {
      for await (const page of p.sync({} as never, {} as never, null, {})) pages.push(page);
    })().catch((e: unknown) => e);
    expect(pages).toHaveLength(1); // the page before the failure still arrives
    expect(syncErr).toMatchObject({ code: "FAKE_DOWN", errorClass: "transient" });
    await expect(p.send({} as never, {} as never, {} as never)).rejects.toMatchObject({ code: "FAKE_DOWN" });
    expect(() => (p.connect as { authorizationUrl: (...a: unknown[]) => string }).authorizationUrl({}, {})).toThrow(
      expect.objectContaining({ code: "FAKE_DOWN" }),
    );
    // A ProviderError the provider chose passes through untouched.
    const own = new ProviderError("auth", "no", { code: "MINE" });
    registerProvider({
      ...fake,
      id: "fake-own",
      send: async () => {
        throw own;
      },
    });
    await expect(channelProvider("fake-own")!.send({} as never, {} as never, {} as never)).rejects.toBe(own);
  });
});

// The twilio SDK's HTTP goes through our transport (service/channels/twilio/transport.ts): its
// form bodies must decode to exactly what the SDK's own axios client sent (qs, arrayFormat
// "repeat"), and a dead or silent server must fail with the network codes the error
// classifier knows.
import http from "node:http";
import type { AddressInfo } from "node:net";
import qs from "qs";
import { expect, it } from "vitest";
import { formEncode, send } from "../../service/providers/kit/twilio/transport.ts";
import { classifyTwilioError } from "../../service/providers/kit/twilio/errors.ts";

it("form bodies decode to what the SDK's qs encoding sends (repeated keys, empty for null, undefined left out)", () => {
  const data = {
    To: "+14155550100",
    Body: "Hi & bye = 100% ✓",
    MediaUrl: ["https://a.test/1.jpg", "https://a.test/2.png"],
    StatusCallback: undefined,
    ProvideFeedback: true,
    ValidityPeriod: 60,
    Empty: null,
  };
  const ours = new URLSearchParams(formEncode(data));
  const sdk = new URLSearchParams(qs.stringify(data, { arrayFormat: "repeat" }));
  expect([...ours.entries()]).toEqual([...sdk.entries()]);
});

it("a refused connection and a silent server fail with codes the classifier reads as transient", async () => {
  const silent = http.createServer(() => undefined); // accepts, never answers
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const port = (silent.address() as AddressInfo).port;
  try {
    const timedOut = await send({ method: "GET", uri: `http://127.0.0.1:${port}/x` }, 200).catch((e) => e);
    expect(timedOut.code).toBe("ECONNABORTED");
    expect(classifyTwilioError(timedOut)).toMatchObject({ errorClass: "transient", code: "TWILIO_UNREACHABLE" });
  } finally {
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  }
  const refused = await send({ method: "GET", uri: `http://127.0.0.1:${port}/x` }, 1000).catch((e) => e);
  expect(refused.code).toBe("ECONNREFUSED");
  expect(classifyTwilioError(refused)).toMatchObject({ errorClass: "transient", code: "TWILIO_UNREACHABLE" });
});

// The twilio SDK's HTTP goes through our transport (service/providers/kit/twilio/transport.ts,
// undici pools): its form bodies must decode to exactly what the SDK's own axios client sent
// (qs, arrayFormat "repeat"), a dead or silent server must fail with the network codes the error
// classifier knows, error answers keep their headers (Retry-After), and a text whose connection
// dies is never sent a second time by the transport.
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

it("answers every status with its body and headers (a 429 keeps Retry-After), Basic auth and the form body sent", async () => {
  const seen: { auth?: string; type?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ auth: req.headers.authorization, type: req.headers["content-type"], body });
      res.writeHead(429, { "Content-Type": "application/json", "Retry-After": "7" });
      res.end(JSON.stringify({ code: 20429, message: "Too Many Requests", status: 429 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    const res = await send(
      {
        method: "POST",
        uri: `http://127.0.0.1:${port}/2010-04-01/Accounts/AC1/Messages.json`,
        username: "AC1",
        password: "secret",
        data: { To: "+14155550100", Body: "Hi & bye" },
      },
      1000,
    );
    expect(res.statusCode).toBe(429);
    expect(res.headers["retry-after"]).toBe("7");
    expect(JSON.parse(res.body)).toMatchObject({ code: 20429 });
    expect(seen).toEqual([
      {
        auth: `Basic ${Buffer.from("AC1:secret").toString("base64")}`,
        type: "application/x-www-form-urlencoded",
        body: "To=%2B14155550100&Body=Hi+%26+bye",
      },
    ]);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

it("a text whose connection dies before the answer fails once and is not sent again", async () => {
  let posts = 0;
  const server = http.createServer((req) => {
    posts++;
    req.socket.destroy(); // the request arrived; the answer never comes
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    const uri = `http://127.0.0.1:${port}/2010-04-01/Accounts/AC1/Messages.json`;
    const results = await Promise.all(
      [1, 2, 3].map((i) => send({ method: "POST", uri, data: { Body: `text ${i}` } }, 2000).catch((e) => e)),
    );
    for (const err of results) {
      expect(err).toBeInstanceOf(Error);
      expect(classifyTwilioError(err)).toMatchObject({ errorClass: "transient" });
    }
    expect(posts).toBe(3);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

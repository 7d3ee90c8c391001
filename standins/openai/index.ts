// Local stand-in for the OpenAI Chat Completions API (POST /v1/chat/completions) with the
// real response and error shapes, for tests and `tatu launch --rehearse`. Drafts are
// deterministic: built from the last customer message so tests can assert on them.
import http from "node:http";
import { closeServer, listenLoopback } from "../shared/http.ts";

export interface OpenAIStandIn {
  url: string;
  apiKey: string;
  env(): Record<string, string>;
  /** The next n calls answer with this status (429 carries Retry-After). */
  failNext(n: number, opts: { status: number; retryAfter?: number }): void;
  requests(): { model: string; messages: { role: string; content: string }[] }[];
  close(): Promise<void>;
}

const errorBody = (status: number, message: string) => ({
  error: {
    message,
    type: status === 429 ? "requests" : status === 401 ? "invalid_request_error" : "server_error",
    param: null,
    code: status === 401 ? "invalid_api_key" : status === 429 ? "rate_limit_exceeded" : null,
  },
});

export async function startOpenAIStandIn(opts: { port?: number; apiKey?: string } = {}): Promise<OpenAIStandIn> {
  const apiKey = opts.apiKey ?? "sk-test-standin-0000000000000000";
  const received: { model: string; messages: { role: string; content: string }[] }[] = [];
  const faults: { status: number; retryAfter?: number }[] = [];
  let seq = 0;

  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_${++seq}`, ...headers });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url?.split("?")[0] !== "/v1/chat/completions")
        return send(404, errorBody(404, `Unknown request URL: ${req.method} ${req.url}`));
      if (req.headers.authorization !== `Bearer ${apiKey}`)
        return send(401, errorBody(401, "Incorrect API key provided."));
      const fault = faults.shift();
      if (fault)
        return send(
          fault.status,
          errorBody(
            fault.status,
            fault.status === 429
              ? "Rate limit reached for requests"
              : "The server had an error while processing your request.",
          ),
          fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {},
        );
      let body: { model?: string; messages?: { role: string; content: string }[] };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(400, errorBody(400, "We could not parse the JSON body of your request."));
      }
      if (!body.model || !Array.isArray(body.messages))
        return send(400, errorBody(400, "Missing required parameter: 'model' or 'messages'."));
      received.push({ model: body.model, messages: body.messages });
      const lastCustomer = [...body.messages].reverse().find((m) => m.role === "user")?.content ?? "";
      const topic = lastCustomer.replace(/\s+/g, " ").trim().slice(0, 60);
      const content = `Thanks so much for your message${topic ? ` about "${topic}"` : ""}! I'd love to help — could you send a reference photo and the placement you have in mind?`;
      send(200, {
        id: `chatcmpl-${seq}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          { index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: "stop" },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140 },
        system_fingerprint: "fp_standin",
      });
    });
  });
  const url = `${await listenLoopback(server, opts.port)}/v1`;
  return {
    url,
    apiKey,
    env: () => ({ OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: url }),
    failNext(n, f) {
      for (let i = 0; i < n; i++) faults.push(f);
    },
    requests: () => received,
    close: () => closeServer(server),
  };
}

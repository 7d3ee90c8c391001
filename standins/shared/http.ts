// Plain node:http plumbing every stand-in needs: a size-capped body reader and JSON / empty /
// text answers. What makes a provider recognisable (its error envelopes, request-id headers,
// content types) stays in that provider's own http.ts, built on these.
import type http from "node:http";
import type { AddressInfo } from "node:net";

export type Req = http.IncomingMessage;
export type Res = http.ServerResponse;

/** Listens on 127.0.0.1 (port 0: any free port) and resolves with the server's base URL. */
export function listenLoopback(server: http.Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** Stops the server, dropping kept-alive connections so that closing never waits on idle clients. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Thrown by readBody past its limit; each stand-in answers it with its provider's 413. */
export class PayloadTooLarge extends Error {}

export async function readBody(req: Req, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON answer; `headers` may replace the Content-Type (providers differ in its spelling). */
export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  sendText(res, status, JSON.stringify(body), "application/json; charset=utf-8", headers);
}

export function sendText(
  res: Res,
  status: number,
  text: string,
  contentType = "text/plain; charset=utf-8",
  headers: Record<string, string | number> = {},
): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** 202/204 answers carry no body and no Content-Type. */
export function sendEmpty(res: Res, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Length": "0", ...headers });
  res.end();
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A minimal HTML page, for the browser-facing errors of login/consent hosts. */
export function sendHtmlPage(res: Res, status: number, title: string, heading: string, text: string): void {
  const body = `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p></body></html>`;
  sendText(res, status, body, "text/html; charset=utf-8");
}

// Requests Node's HTTP parser rejects before Express sees them (headers or URL over the
// 16 KB limit, malformed request lines, header timeouts) still get the API's JSON error
// shape instead of Node's bare status line, so clients can show a message.
//
// The answer goes out while the client may still be sending the rest of its request (a 70 KB
// URL, then a multipart body). Destroying the socket when the next bytes arrive (as this did)
// makes our kernel answer them with a reset, and a client still writing gets EPIPE/ECONNRESET
// instead of the answer (RFC 9112 §9.6): Node 24's fetch, streaming a FormData body, fails
// that way; Node 20's happened to swallow the reset. So the close is staged: the answer and our
// FIN go out, what still arrives is read and dropped (the parser refuses every later chunk and
// calls us again) until the client closes its side, for at most LINGER_MS and LINGER_BYTES,
// then the socket is destroyed.
import type { Duplex } from "node:stream";

const ANSWERS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    code: "HEADERS_TOO_LARGE",
    message: "The request's URL or headers are too large.",
  },
  HPE_REQUEST_TIMEOUT: {
    status: 408,
    reason: "Request Timeout",
    code: "REQUEST_TIMEOUT",
    message: "The request took too long to arrive.",
  },
};
const MALFORMED = {
  status: 400,
  reason: "Bad Request",
  code: "MALFORMED_REQUEST",
  message: "The request could not be read as HTTP.",
};

/** How long, and how many bytes of, a refused request may keep arriving after the answer. */
export const LINGER_MS = 5_000;
export const LINGER_BYTES = 32 * 1024 * 1024;

/** Sockets answered and lingering → their bytesRead when answered. */
const lingering = new WeakMap<Duplex, number>();
const bytesRead = (socket: Duplex) => (socket as Duplex & { bytesRead?: number }).bytesRead ?? 0;

export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const answeredAt = lingering.get(socket);
  if (answeredAt !== undefined) {
    // Later bytes of the refused request (dropped), or the client's FIN: the client has read
    // the answer, or sends more than we read for nothing.
    if (socket.readableEnded || bytesRead(socket) - answeredAt > LINGER_BYTES) socket.destroy();
    return;
  }
  // A reset connection has no one left to answer.
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const a = ANSWERS[err.code ?? ""] ?? MALFORMED;
  const body = JSON.stringify({ error: { code: a.code, message: a.message } });
  socket.end(
    `HTTP/1.1 ${a.status} ${a.reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  lingering.set(socket, bytesRead(socket));
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

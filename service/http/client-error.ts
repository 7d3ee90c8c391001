// Requests Node's HTTP parser rejects before Express sees them (headers or URL over the
// 16 KB limit, malformed request lines, header timeouts) still get the API's JSON error
// shape instead of Node's bare status line, so clients can show a message.
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

export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
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
}

// Two tiny local servers that refuse every sign-in, so credential-connect routes (Yahoo IMAP,
// Apple CalDAV) answer a clean "wrong password" during the fuzz instead of reaching the
// internet: an IMAP server that says NO [AUTHENTICATIONFAILED] to LOGIN, and a CalDAV server
// that answers 401 to everything.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface RefusingPeers {
  imapPort: number;
  caldavUrl: string;
  env(): Record<string, string>;
  close(): Promise<void>;
}

function imapSession(socket: net.Socket): void {
  socket.setEncoding("latin1");
  socket.on("error", () => socket.destroy());
  socket.write("* OK [CAPABILITY IMAP4rev1] refusing test server ready\r\n");
  let buffer = "";
  socket.on("data", (chunk: string) => {
    buffer += chunk;
    let eol: number;
    while ((eol = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, eol);
      buffer = buffer.slice(eol + 2);
      const [tag = "*", command = ""] = line.split(" ");
      const verb = command.toUpperCase();
      if (verb === "CAPABILITY") socket.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK done\r\n`);
      else if (verb === "LOGIN" || verb === "AUTHENTICATE")
        socket.write(`${tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n`);
      else if (verb === "LOGOUT") {
        socket.write(`* BYE\r\n${tag} OK bye\r\n`);
        socket.end();
      } else if (verb === "ID" || verb === "NOOP") socket.write(`${tag} OK done\r\n`);
      else socket.write(`${tag} BAD unknown command\r\n`);
    }
  });
}

export async function startRefusingPeers(): Promise<RefusingPeers> {
  const imap = net.createServer(imapSession);
  const dav = http.createServer((req, res) => {
    req.resume();
    res
      .writeHead(401, { "WWW-Authenticate": 'Basic realm="refusing"', "Content-Type": "text/plain" })
      .end("Unauthorized");
  });
  await Promise.all([
    new Promise<void>((r) => imap.listen(0, "127.0.0.1", r)),
    new Promise<void>((r) => dav.listen(0, "127.0.0.1", r)),
  ]);
  const imapPort = (imap.address() as AddressInfo).port;
  const caldavUrl = `http://127.0.0.1:${(dav.address() as AddressInfo).port}`;
  return {
    imapPort,
    caldavUrl,
    env: () => ({
      YAHOO_IMAP_HOST: "127.0.0.1",
      YAHOO_IMAP_PORT: String(imapPort),
      YAHOO_IMAP_SECURE: "false",
      CALDAV_SERVER_URL: caldavUrl,
    }),
    close: async () => {
      dav.closeAllConnections();
      await Promise.all([new Promise((r) => imap.close(r)), new Promise((r) => dav.close(r))]);
    },
  };
}

// A throwaway certificate authority (openssl) and a TLS front for the rehearsal's app, so the
// `dns.ssl` step checks a real handshake, chain and expiry instead of being skipped. The tests
// use the same helpers to build certificates that expire soon or come from an untrusted CA.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";

export interface Pem {
  key: string;
  cert: string;
  /** The certificate's file (a CA's: what TATU_DNS_CA_FILE names). */
  certFile: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function read(dir: string, name: string): Pem {
  return {
    key: fs.readFileSync(path.join(dir, `${name}.key`), "utf8"),
    cert: fs.readFileSync(path.join(dir, `${name}.pem`), "utf8"),
    certFile: path.join(dir, `${name}.pem`),
  };
}

/** Whether openssl can be run here. */
export function opensslAvailable(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A self-signed CA certificate valid for a year. */
export function createCa(dir: string, name: string, cn = `${name} CA`): Pem {
  openssl(
    [
      "req",
      "-x509",
      ...EC,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "365",
      "-subj",
      `/CN=${cn}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return read(dir, name);
}

/** A server certificate for localhost / 127.0.0.1 signed by `ca`, valid for `days` days from now. */
export function issueServerCert(dir: string, name: string, ca: Pem, days: number): Pem {
  fs.writeFileSync(
    path.join(dir, `${name}.ext`),
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
  );
  openssl(["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", "/CN=localhost"], dir);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      ca.certFile,
      "-CAkey",
      path.join(dir, `${path.basename(ca.certFile, ".pem")}.key`),
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      String(days),
      "-extfile",
      `${name}.ext`,
    ],
    dir,
  );
  return read(dir, name);
}

/** A TLS server on 127.0.0.1 that forwards every connection to `targetPort` (plain TCP). */
export async function startTlsFront(
  pem: Pem,
  targetPort: number,
): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: pem.key, cert: pem.cert }, (client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `https://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

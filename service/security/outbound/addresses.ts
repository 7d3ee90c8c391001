// Which IP addresses are "the public internet". Everything else — loopback, private and
// carrier-grade NAT ranges, link-local (cloud metadata at 169.254.169.254 / fd00:ec2::254),
// unique-local IPv6, documentation, multicast, reserved — is somewhere only the server itself
// can reach, and a URL a user or a webhook payload names must never get Tatu to connect there.
import { BlockList, isIP } from "node:net";

/** RFC 6890 special-purpose ranges (plus the IPv6 transition prefixes that embed IPv4 ones). */
const nonPublic = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  nonPublic.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  // ::/96 holds ::, ::1 and the deprecated IPv4-compatible form; the mapped form (::ffff:a.b.c.d,
  // also spelt ::ffff:7f00:1) is judged by BlockList against the IPv4 ranges above.
  ["::", 96],
  ["100::", 64],
  ["2001::", 32],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const)
  nonPublic.addSubnet(net, bits, "ipv6");

/** True for an address on the public internet; false for anything else, names included. */
export function isPublicAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, "");
  const family = isIP(host);
  if (!family) return false;
  return !nonPublic.check(host, family === 4 ? "ipv4" : "ipv6");
}

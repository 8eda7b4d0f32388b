// The vip label: $server_addr in canonical form. nginx already prints IPv4
// as a dotted quad, so only IPv6 text goes through the parser.
import { canonicalAddress } from '../exposition/address';

export function vipLabel(serverAddr: string): string {
  if (serverAddr.indexOf(':') === -1) return serverAddr;
  const canonical = canonicalAddress(serverAddr);
  return canonical === null ? serverAddr : canonical;
}

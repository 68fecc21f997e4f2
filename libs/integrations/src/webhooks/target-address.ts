import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import ipaddr from 'ipaddr.js';

import type { WebhookAllowedHost } from '@mend/config';
import { DomainException } from '@mend/core';

/**
 * Server-side request forgery guard for webhook targets. A webhook URL is chosen by a clinic
 * (or an API key), and the worker calls it from inside our network: it must not reach loopback,
 * private, link-local (cloud metadata at 169.254.169.254), unique-local, multicast or reserved
 * addresses — unless WEBHOOK_ALLOWED_HOSTS names the target (tests, local development).
 *
 * The check runs when an endpoint is created and again before every delivery, because DNS can
 * change between the two; the delivery then connects to the very address that was checked, so a
 * name cannot resolve to a public address for the check and a private one for the connection.
 */
export type TargetProblem =
  'invalid_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'unresolvable' | 'forbidden_address';

export class WebhookTargetError extends Error {
  constructor(
    readonly problem: TargetProblem,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

export interface ResolvedTarget {
  url: URL;
  /** Host name without brackets, lower case. */
  hostname: string;
  port: number;
  /** The checked address to connect to. */
  address: string;
  family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Only ordinary global unicast addresses are reachable without an allow-list entry. An IPv6
 * address must be global unicast (2000::/3) and not a form that embeds an IPv4 address: those
 * (IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16,
 * Teredo 2001::/32) can lead to 127.0.0.1 or 169.254.169.254 through a translator, so they are
 * refused outright rather than judged by the IPv4 address they carry.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  return v6.match(GLOBAL_UNICAST_V6) && v6.range() === 'unicast';
}

function matchesAllowed(entry: WebhookAllowedHost, hostname: string, port: number, address: string): boolean {
  if (entry.port !== undefined && entry.port !== port) return false;
  if (entry.host.includes('/')) {
    const [range, bits] = ipaddr.parseCIDR(entry.host);
    const parsed = ipaddr.process(address);
    const candidate =
      parsed.kind() === range.kind()
        ? parsed
        : parsed.kind() === 'ipv4'
          ? (parsed as ipaddr.IPv4).toIPv4MappedAddress()
          : null;
    return candidate !== null && candidate.kind() === range.kind() && candidate.match(range, bits);
  }
  if (isIP(entry.host)) return ipaddr.process(entry.host).toString() === ipaddr.process(address).toString();
  return entry.host === hostname;
}

function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * Parses, resolves and checks a webhook URL; throws WebhookTargetError naming the problem.
 * `https:` is required, except for allow-listed hosts (a local receiver speaks plain http).
 */
export async function resolveWebhookTarget(
  rawUrl: string,
  allowed: readonly WebhookAllowedHost[],
  resolve: Resolver = systemResolver,
): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new WebhookTargetError('invalid_url', 'url is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new WebhookTargetError('scheme_not_allowed', 'url must use https');
  if (url.username || url.password)
    throw new WebhookTargetError(
      'credentials_in_url',
      'url must not carry credentials; authenticate with the signature',
    );
  const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = defaultPort(url);

  let addresses: Array<{ address: string; family: number }>;
  if (isIP(hostname)) addresses = [{ address: hostname, family: isIP(hostname) }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) throw new WebhookTargetError('unresolvable', `url's host ${hostname} does not resolve`);
  }

  const isAllowListed = (address: string) => allowed.some((entry) => matchesAllowed(entry, hostname, port, address));
  // Every address must pass: a name with one public and one private address is refused.
  for (const { address } of addresses) {
    if (!isPublicAddress(address) && !isAllowListed(address)) {
      throw new WebhookTargetError(
        'forbidden_address',
        `url resolves to ${describe(address)}, which webhooks may not call`,
      );
    }
  }
  if (url.protocol === 'http:' && !addresses.every(({ address }) => isAllowListed(address))) {
    throw new WebhookTargetError('scheme_not_allowed', 'url must use https');
  }
  const chosen = addresses[0];
  return { url, hostname, port, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}

function describe(address: string): string {
  const range = ipaddr.isValid(address) ? ipaddr.process(address).range() : 'invalid';
  const names: Record<string, string> = {
    loopback: 'a loopback address',
    private: 'a private address',
    linkLocal: 'a link-local address',
    uniqueLocal: 'a unique-local address',
    unspecified: 'an unspecified address',
    carrierGradeNat: 'a shared (carrier-grade NAT) address',
    multicast: 'a multicast address',
  };
  return names[range] ?? 'a reserved address';
}

/** The check at endpoint creation, as a 422 naming the field. */
export async function requireAllowedWebhookUrl(
  rawUrl: string,
  allowed: readonly WebhookAllowedHost[],
  resolve?: Resolver,
): Promise<ResolvedTarget> {
  try {
    return await resolveWebhookTarget(rawUrl, allowed, resolve);
  } catch (error) {
    if (error instanceof WebhookTargetError) {
      throw new DomainException('unprocessable', `The webhook URL is refused: ${error.message}`, {
        errors: [{ field: 'url', message: error.message }],
      });
    }
    throw error;
  }
}

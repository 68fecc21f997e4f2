import { isPublicAddress, resolveWebhookTarget, WebhookTargetError, type Resolver } from './target-address.js';

const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
const unresolvable: Resolver = async () => {
  throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
};

async function problemOf(
  url: string,
  resolver: Resolver = unresolvable,
  allowed: Parameters<typeof resolveWebhookTarget>[1] = [],
): Promise<string | null> {
  try {
    await resolveWebhookTarget(url, allowed, resolver);
    return null;
  } catch (error) {
    if (error instanceof WebhookTargetError) return error.problem;
    throw error;
  }
}

describe('webhook target addresses', () => {
  it('treats only global unicast addresses as public', () => {
    const refused = [
      '127.0.0.1',
      '127.1.2.3',
      '0.0.0.0',
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.254',
      '192.168.0.1',
      '169.254.169.254',
      '169.254.0.1',
      '100.64.0.1',
      '100.100.100.200',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '198.18.0.1',
      '::',
      '::1',
      'fe80::1',
      'fc00::1',
      'fd00:ec2::254',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
      '2001:db8::1',
      // Every IPv6 form that embeds an IPv4 address, whatever address it carries (issue #14).
      '::127.0.0.1',
      '::169.254.169.254',
      '::7f00:1',
      '::ffff:93.184.215.14',
      '64:ff9b::93.184.215.14',
      '2002:7f00:1::1',
      '2002:5db8:d70e::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '100::1',
    ];
    for (const address of refused)
      expect({ address, isPublic: isPublicAddress(address) }).toEqual({ address, isPublic: false });
    for (const address of [
      '93.184.215.14',
      '1.1.1.1',
      '172.32.0.1',
      '2606:4700:4700::1111',
      '2a00:1450:4001:82b::200e',
    ]) {
      expect({ address, isPublic: isPublicAddress(address) }).toEqual({ address, isPublic: true });
    }
  });

  it('refuses IP literals and names that resolve to non-public addresses, with no allow-list', async () => {
    expect(await problemOf('https://127.0.0.1/hook')).toBe('forbidden_address');
    expect(await problemOf('https://[::1]/hook')).toBe('forbidden_address');
    expect(await problemOf('https://169.254.169.254/latest/meta-data')).toBe('forbidden_address');
    expect(await problemOf('https://10.1.2.3/hook')).toBe('forbidden_address');
    expect(await problemOf('https://internal.example/hook', resolvesTo('10.0.0.7'))).toBe('forbidden_address');
    // Every address must pass: one public and one private address is still refused.
    expect(await problemOf('https://split.example/hook', resolvesTo('93.184.215.14', '127.0.0.1'))).toBe(
      'forbidden_address',
    );
  });

  it('refuses what is not an https URL to a resolvable public host', async () => {
    expect(await problemOf('not a url')).toBe('invalid_url');
    expect(await problemOf('ftp://files.example/hook')).toBe('scheme_not_allowed');
    expect(await problemOf('http://public.example/hook', resolvesTo('93.184.215.14'))).toBe('scheme_not_allowed');
    expect(await problemOf('https://user:secret@public.example/hook', resolvesTo('93.184.215.14'))).toBe(
      'credentials_in_url',
    );
    expect(await problemOf('https://nowhere.invalid/hook')).toBe('unresolvable');
    expect(await problemOf('https://public.example/hook', resolvesTo('93.184.215.14'))).toBeNull();
  });

  it('connects to the address it checked', async () => {
    const target = await resolveWebhookTarget('https://public.example:8443/hooks?x=1', [], resolvesTo('93.184.215.14'));
    expect(target).toMatchObject({ hostname: 'public.example', port: 8443, address: '93.184.215.14', family: 4 });
  });

  it('lets WEBHOOK_ALLOWED_HOSTS entries through: by address and port, by host name, by CIDR range', async () => {
    expect(await problemOf('http://127.0.0.1:4000/hook', unresolvable, [{ host: '127.0.0.1', port: 4000 }])).toBeNull();
    expect(await problemOf('http://127.0.0.1:4001/hook', unresolvable, [{ host: '127.0.0.1', port: 4000 }])).toBe(
      'forbidden_address',
    );
    expect(
      await problemOf('http://receiver.local:8080/hook', resolvesTo('10.20.0.5'), [{ host: 'receiver.local' }]),
    ).toBeNull();
    expect(await problemOf('https://other.local/hook', resolvesTo('10.20.0.5'), [{ host: 'receiver.local' }])).toBe(
      'forbidden_address',
    );
    expect(
      await problemOf('https://svc.internal/hook', resolvesTo('10.20.3.4'), [{ host: '10.20.0.0/16' }]),
    ).toBeNull();
    expect(await problemOf('https://svc.internal/hook', resolvesTo('10.21.3.4'), [{ host: '10.20.0.0/16' }])).toBe(
      'forbidden_address',
    );
    expect(await problemOf('http://[::1]:4000/hook', unresolvable, [{ host: '::1', port: 4000 }])).toBeNull();
    expect(
      await problemOf('http://localhost:4000/hook', resolvesTo('127.0.0.1', '::1'), [
        { host: '127.0.0.1', port: 4000 },
      ]),
    ).toBe('forbidden_address');
  });
});

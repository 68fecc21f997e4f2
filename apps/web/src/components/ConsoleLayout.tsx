import { AppShell, Burger, Button, Center, Group, Loader, NavLink, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { Link, Navigate, Outlet, useLocation, useNavigation } from 'react-router';

import { adminNav } from '../admin/routes';
import { api, unwrap } from '../api/client';
import { useAuth } from '../auth/AuthProvider';
import { partnerNav } from '../partner/routes';
import { IdleGuard } from './IdleGuard';

const NAV: Record<string, { to: string; label: string }[]> = {
  therapist: [
    { to: '/', label: 'Caseload' },
    { to: '/couples/new', label: 'New couple' },
    { to: '/exercises', label: 'Exercise library' },
    { to: '/security', label: 'Security' },
  ],
  admin: [...adminNav, { to: '/security', label: 'Security' }],
  client: partnerNav,
};

/** Until the clinic's setting is read: the API's default. */
const DEFAULT_IDLE_MINUTES = 30;

export function PageLoader() {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm">
        <Loader size="sm" aria-hidden />
        <Text>Loading…</Text>
      </Group>
    </Center>
  );
}

/** The signed-in frame: header, navigation, idle sign-out; signed-out visitors go to sign-in and come back. */
export function ConsoleLayout() {
  const { state, signOut } = useAuth();
  const location = useLocation();
  const navigation = useNavigation();
  const [isOpen, { toggle, close }] = useDisclosure(false);
  const isSignedIn = state.status === 'signed-in';
  // The clinic's idle sign-out time (every signed-in user may read it); the clinic settings page
  // writes the same query when an admin changes it, so it applies at once.
  const security = useQuery({
    queryKey: ['clinic', 'security-settings'],
    queryFn: () => unwrap(api.GET('/v1/clinic/security-settings')),
    enabled: isSignedIn,
    staleTime: 5 * 60_000,
  });

  if (state.status === 'loading') return <PageLoader />;
  if (state.status === 'signed-out') {
    const next = `${location.pathname}${location.search}`;
    const params = new URLSearchParams();
    if (next !== '/') params.set('next', next);
    if (state.reason && state.reason !== 'signed-out') params.set('reason', state.reason);
    const query = params.toString();
    return <Navigate to={`/sign-in${query ? `?${query}` : ''}`} replace />;
  }

  const { user, clinic } = state.session;
  const links = NAV[user.role] ?? [];
  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !isOpen } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={isOpen} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Link to="/" aria-label="Mend, home" style={{ display: 'flex' }}>
              <img src="/favicon.svg" alt="" width={28} height={28} />
            </Link>
            <Text fw={600} truncate="end" visibleFrom="xs">
              {clinic.name}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" c="dimmed" visibleFrom="md" truncate="end">
              {user.name}
            </Text>
            <Button variant="default" size="sm" onClick={() => void signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        <Stack gap={4}>
          {links.map((link) => (
            <NavLink
              key={link.to}
              component={Link}
              to={link.to}
              label={link.label}
              active={link.to === '/' ? location.pathname === '/' : location.pathname.startsWith(link.to)}
              onClick={close}
            />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        {navigation.state === 'loading' ? (
          <PageLoader />
        ) : (
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        )}
      </AppShell.Main>
      <IdleGuard
        minutes={security.data?.idleTimeoutMinutes ?? DEFAULT_IDLE_MINUTES}
        onIdle={() => void signOut('idle')}
      />
    </AppShell>
  );
}

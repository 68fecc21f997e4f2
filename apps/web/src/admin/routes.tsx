import type { RouteObject } from 'react-router';

/**
 * The clinic admin's console. Each page loads on demand, so the therapist's first load does not
 * grow. Paths stay under /clinic, a prefix the API already serves index.html for (CLIENT_ROUTES
 * in apps/api/src/web/web-app.ts; /admin is the queue dashboard's).
 */
const page = (load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, 'lazy'> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

export const adminRoutes: RouteObject[] = [
  { path: 'clinic/users', ...page(() => import('./UsersPage')) },
  { path: 'clinic/couples', ...page(() => import('./CouplesPage')) },
  { path: 'clinic/settings', ...page(() => import('./ClinicSettingsPage')) },
  { path: 'clinic/api-keys', ...page(() => import('./ApiKeysPage')) },
  { path: 'clinic/webhooks', ...page(() => import('./WebhooksPage')) },
  { path: 'clinic/webhooks/:endpointId', ...page(() => import('./WebhookEndpointPage')) },
  { path: 'clinic/integrations', ...page(() => import('./IntegrationsPage')) },
  { path: 'clinic/audit', ...page(() => import('./AuditPage')) },
];

export const adminNav = [
  { to: '/', label: 'Caseloads' },
  { to: '/clinic/users', label: 'Users' },
  { to: '/clinic/couples', label: 'Couples' },
  { to: '/clinic/settings', label: 'Clinic settings' },
  { to: '/clinic/api-keys', label: 'API keys' },
  { to: '/clinic/webhooks', label: 'Webhooks' },
  { to: '/clinic/integrations', label: 'Scheduling' },
  { to: '/clinic/audit', label: 'Audit log' },
];

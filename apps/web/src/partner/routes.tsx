import type { RouteObject } from 'react-router';

/**
 * The partner's pages (role client). Each loads on demand, so neither the sign-in page nor the
 * therapist's console carries them. Paths stay under /home and /settings, prefixes the API
 * already serves index.html for (CLIENT_ROUTES in apps/api/src/web/web-app.ts).
 */
const page = (load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, 'lazy'> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

export const partnerRoutes: RouteObject[] = [
  { path: 'home', ...page(() => import('./PartnerHomePage')) },
  { path: 'home/check-in/:assignmentId', ...page(() => import('./CheckInPage')) },
  { path: 'home/history', ...page(() => import('./HistoryPage')) },
  { path: 'home/plan', ...page(() => import('./PlanPage')) },
  // The plan-rating reminder links here (libs/reminders plan-rating-reminders.ts planRatingUrl).
  { path: 'home/plan/rate', ...page(() => import('./RatePlanPage')) },
  { path: 'home/notifications', ...page(() => import('./NotificationsPage')) },
  { path: 'settings', ...page(() => import('./SettingsPage')) },
];

export const partnerNav = [
  { to: '/', label: 'Home' },
  { to: '/home/plan', label: 'Our plan' },
  { to: '/home/history', label: 'History' },
  { to: '/home/notifications', label: 'Notifications' },
  { to: '/settings', label: 'Settings' },
];

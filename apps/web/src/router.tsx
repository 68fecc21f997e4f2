import { createBrowserRouter, type RouteObject } from 'react-router';

import { adminRoutes } from './admin/routes';
import { ConsoleLayout, PageLoader } from './components/ConsoleLayout';
import { RouteError } from './components/RouteError';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage';
import { InvitationPage } from './pages/InvitationPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { SignInPage } from './pages/SignInPage';
import { partnerRoutes } from './partner/routes';

/** The console's pages load on demand so the sign-in page stays small. */
const page = (load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, 'lazy'> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

/**
 * Client routes. The API serves index.html for exactly these prefixes (CLIENT_ROUTES in
 * apps/api/src/web/web-app.ts); keep the two lists in step.
 */
export const router = createBrowserRouter([
  { path: '/sign-in', element: <SignInPage />, errorElement: <RouteError /> },
  { path: '/forgot-password', element: <ForgotPasswordPage />, errorElement: <RouteError /> },
  { path: '/reset-password', element: <ResetPasswordPage />, errorElement: <RouteError /> },
  { path: '/reset-password/:token', element: <ResetPasswordPage />, errorElement: <RouteError /> },
  { path: '/invitations/:token', element: <InvitationPage />, errorElement: <RouteError /> },
  {
    element: <ConsoleLayout />,
    errorElement: <RouteError />,
    HydrateFallback: PageLoader,
    children: [
      { index: true, ...page(() => import('./pages/HomePage')) },
      { path: 'couples/new', ...page(() => import('./pages/NewCouplePage')) },
      { path: 'couples/:coupleId', ...page(() => import('./pages/CouplePage')) },
      { path: 'couples/:coupleId/assign', ...page(() => import('./pages/AssignPage')) },
      { path: 'exercises', ...page(() => import('./pages/ExercisesPage')) },
      { path: 'exercises/new', ...page(() => import('./pages/ExerciseEditorPage')) },
      { path: 'exercises/:exerciseId/edit', ...page(() => import('./pages/ExerciseEditorPage')) },
      { path: 'security', ...page(() => import('./pages/SecurityPage')) },
      ...partnerRoutes,
      ...adminRoutes,
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

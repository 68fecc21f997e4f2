import { lazy } from 'react';

import { useSession } from '../auth/AuthProvider';
import { CaseloadPage } from './CaseloadPage';

// Loaded only for their own role, so the therapist's console does not carry them.
const AdminHome = lazy(() => import('../admin/CaseloadsPage'));
const PartnerHome = lazy(() => import('../partner/PartnerHomePage'));

/** Each role's home: the therapist's caseload; the admin's caseloads per therapist; the partner's homework. */
export default function HomePage() {
  const { user } = useSession();
  if (user.role === 'therapist') return <CaseloadPage />;
  if (user.role === 'admin') return <AdminHome />;
  return <PartnerHome />;
}

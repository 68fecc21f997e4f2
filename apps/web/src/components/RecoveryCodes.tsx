import { Text } from '@mantine/core';
import type { ReactNode } from 'react';

import { OnceSecret } from './OnceSecret';

/** The ten single-use recovery codes, shown once when they are made, to copy or download. */
export function RecoveryCodes({ codes, children }: { codes: string[]; children?: ReactNode }) {
  return (
    <OnceSecret
      title="Your recovery codes"
      label="Recovery codes"
      value={codes.join('\n')}
      download="mend-recovery-codes.txt"
    >
      <Text size="sm">
        If you lose your phone, each of these signs you in once instead of a code. Keep them somewhere safe.
      </Text>
      {children}
    </OnceSecret>
  );
}

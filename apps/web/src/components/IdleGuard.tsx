import { Button, Group, Modal, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';

const WARN_BEFORE_MS = 60_000;
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Signs out after `minutes` without a key press, click or scroll, with a warning a minute
 * before (so a therapist who stepped away does not leave a caseload open on screen).
 */
export function IdleGuard({ minutes, onIdle }: { minutes: number; onIdle: () => void }) {
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const lastActive = useRef(performance.now());
  const isWarning = secondsLeft !== null;

  useEffect(() => {
    const mark = () => {
      if (!isWarning) lastActive.current = performance.now();
    };
    for (const type of ACTIVITY) window.addEventListener(type, mark, { passive: true });
    const limit = minutes * 60_000;
    const tick = window.setInterval(() => {
      const idle = performance.now() - lastActive.current;
      if (idle >= limit) {
        window.clearInterval(tick);
        onIdle();
      } else if (idle >= limit - WARN_BEFORE_MS) {
        setSecondsLeft(Math.ceil((limit - idle) / 1000));
      }
    }, 1000);
    return () => {
      window.clearInterval(tick);
      for (const type of ACTIVITY) window.removeEventListener(type, mark);
    };
  }, [minutes, onIdle, isWarning]);

  const stay = () => {
    lastActive.current = performance.now();
    setSecondsLeft(null);
  };

  return (
    <Modal opened={isWarning} onClose={stay} title="Still there?" centered>
      <Text mb="md" aria-live="polite">
        For privacy, Mend signs you out after {minutes} minutes without activity. You will be signed out in{' '}
        {secondsLeft ?? 0} seconds.
      </Text>
      <Group justify="flex-end">
        <Button variant="default" onClick={onIdle}>
          Sign out now
        </Button>
        <Button onClick={stay} data-autofocus>
          Stay signed in
        </Button>
      </Group>
    </Modal>
  );
}

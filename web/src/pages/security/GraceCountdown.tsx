import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { formatDate, timeLeft } from '../../format.ts';
import type { NoncompliantAction } from '../../types.ts';

export function GraceCountdown({ until, action }: { until: string; action: NoncompliantAction }): ReactNode {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const left = timeLeft(until, now);
  const what = action === 'remove' ? 'moved to pending' : 'blocked';
  if (left === 'ended') return <>Ended on {formatDate(until)}. Members without two-factor authentication are now {what}.</>;
  return (
    <>
      Ends {formatDate(until)} (<strong>{left}</strong>). Members without two-factor authentication will then be {what}.
    </>
  );
}

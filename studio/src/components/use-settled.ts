import { useEffect, useState } from 'react';

/** The value once it has stopped changing for `ms`: checks and queries run when typing pauses, not at each keystroke. */
export function useSettled<T>(value: T, ms = 350): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

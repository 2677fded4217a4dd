import { useEffect } from 'react';

/** The document title names the screen (tabs, history, screen readers). */
export function useTitle(screen: string): void {
  useEffect(() => {
    document.title = `${screen} · Homing Studio`;
  }, [screen]);
}

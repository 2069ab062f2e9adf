// A small history-API router: path patterns with `:params`, links, programmatic navigation.
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';

export interface Location {
  pathname: string;
  search: URLSearchParams;
  /** pathname + search, as it would be passed back to `navigate`. */
  href: string;
}

const NAVIGATE_EVENT = 'gatehouse:navigate';

function currentLocation(): Location {
  const { pathname, search } = window.location;
  return { pathname, search: new URLSearchParams(search), href: pathname + search };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

// The real location comes from <RouterProvider>; this default only keeps the module importable anywhere.
const LocationContext = createContext<Location>({ pathname: '/', search: new URLSearchParams(), href: '/' });

export function RouterProvider({ children }: { children: ReactNode }): ReactNode {
  const [location, setLocation] = useState<Location>(currentLocation);
  useEffect(() => {
    const update = (): void => setLocation(currentLocation());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return <LocationContext.Provider value={location}>{children}</LocationContext.Provider>;
}

export function useLocation(): Location {
  return useContext(LocationContext);
}

/** Matches `/orgs/:slug/members` against a pathname; returns the decoded params or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const h = have[i] as string;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) {
      return null;
    }
  }
  return params;
}

export interface Route {
  path: string;
  render: (params: Record<string, string>) => ReactNode;
}

export function useRoutes(routes: readonly Route[], fallback: () => ReactNode): ReactNode {
  const { pathname } = useLocation();
  return useMemo(() => {
    for (const route of routes) {
      const params = matchPath(route.path, pathname);
      if (params) return route.render(params);
    }
    return fallback();
  }, [routes, fallback, pathname]);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

export function Link({ to, onClick, children, ...rest }: LinkProps): ReactNode {
  const handle = (e: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

/**
 * Only same-site paths are accepted as a `next` target after sign-in, so a crafted link cannot
 * send the user to another site (open redirect).
 */
export function safeNext(value: string | null | undefined, fallback = '/'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//')) return fallback;
  // Browsers drop tabs/newlines and read `\` as `/` in URLs: "/\t/evil" would become "//evil".
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  return value;
}

export function withNext(path: string, next: string): string {
  return `${path}?next=${encodeURIComponent(next)}`;
}

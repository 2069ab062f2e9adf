import { useCallback, useEffect, useRef, useState } from 'react';
import { asApiError } from './errors.ts';
import type { ApiError } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (data: T) => void;
}

/** Loads data on mount and whenever `key` changes; stale answers are dropped. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const lastKey = useRef(key);

  useEffect(() => {
    let live = true;
    setLoading(true);
    if (lastKey.current !== key) {
      // New inputs (another filter, another organization): don't show the old answer under them.
      lastKey.current = key;
      setData(undefined);
      setError(undefined);
    }
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(asApiError(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
    // `load` is a fresh closure every render; `key` says when its inputs changed.
  }, [key, generation]);

  const reload = useCallback(async () => {
    setGeneration((g) => g + 1);
  }, []);

  return { data, error, loading, reload, setData };
}

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error: ApiError | undefined;
  clearError: () => void;
}

/** Wraps a user action: tracks busy state and keeps the last error for display. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      return await fn(...args);
    } catch (err) {
      setError(asApiError(err));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clearError: () => setError(undefined) };
}

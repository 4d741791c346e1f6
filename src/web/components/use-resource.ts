import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api/client.js';

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Fetches again (after a write), keeping the old data on screen meanwhile. */
  readonly reload: () => Promise<void>;
}

interface Settled<T> {
  readonly path: string | null;
  readonly data?: T;
  readonly error?: ApiError;
}

const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError(0, 'internal', String(e));

/** GETs `path` (null: nothing yet) and keeps the answer; an answer for an older path is dropped. */
export function useResource<T>(path: string | null): Resource<T> {
  const [settled, setSettled] = useState<Settled<T>>({ path: null });
  const [reloading, setReloading] = useState(false);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    api.get<T>(path).then(
      (data) => current && setSettled({ path, data }),
      (e: unknown) => current && setSettled({ path, error: asApiError(e) }),
    );
    return () => {
      current = false;
    };
  }, [path]);
  const reload = useCallback(async () => {
    if (path === null) return;
    setReloading(true);
    try {
      setSettled({ path, data: await api.get<T>(path) });
    } catch (e) {
      setSettled({ path, error: asApiError(e) });
    } finally {
      setReloading(false);
    }
  }, [path]);
  const fresh = settled.path === path;
  return {
    data: fresh ? settled.data : undefined,
    error: fresh ? settled.error : undefined,
    loading: path !== null && (!fresh || reloading),
    reload,
  };
}

import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client.js';

/** What the embedded report says about itself: read from its title block once it has loaded. */
export interface ReportMeta {
  readonly dataCut: string | null;
  readonly generatedAt: string | null;
}

export type FrameState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'shown'; readonly meta: ReportMeta }
  | { readonly kind: 'refused'; readonly error: ApiError };

/** The title block's `<dl class="meta">` as term → value (see src/core/report/index.ts). */
function readMeta(doc: Document): ReportMeta {
  const values = new Map<string, string>();
  for (const dt of doc.querySelectorAll('.title-block dl.meta dt')) {
    const dd = dt.nextElementSibling;
    if (dd?.tagName === 'DD') values.set(dt.textContent?.trim() ?? '', dd.textContent?.trim() ?? '');
  }
  return { dataCut: values.get('Data cut') ?? null, generatedAt: values.get('Generated at') ?? null };
}

/**
 * A refusal loaded into the frame is the API's JSON error body (Chromium shows it as text): turned back
 * into the ApiError the rest of the app shows, so the page can say why instead of framing raw JSON.
 */
function readRefusal(doc: Document): ApiError {
  const text = doc.body?.textContent?.trim() ?? '';
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    if (body.error?.message)
      return new ApiError(0, body.error.code ?? 'internal', body.error.message, body.error.details ?? {});
  } catch {
    // Not JSON: fall through to the generic message.
  }
  return new ApiError(0, 'internal', 'The report could not be produced. Retry, or ask your administrator.');
}

/**
 * The server's self-contained report page (tables, SVG figures, print stylesheet) in a same-origin
 * frame, grown to its content's height so the app page scrolls as one and nothing is cut off. Framing
 * the server's HTML rather than re-rendering the analysis keeps one report, the one that is printed.
 * Keyed by `src` by its parent: a new data cut is a new frame, starting hidden until it has loaded.
 */
export function ReportFrame({
  src,
  onState,
}: {
  readonly src: string;
  readonly onState: (state: FrameState) => void;
}): ReactNode {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(600);
  const [shown, setShown] = useState(false);
  const observer = useRef<ResizeObserver | null>(null);

  useEffect(() => () => observer.current?.disconnect(), []);

  const onLoad = useCallback(() => {
    const doc = frame.current?.contentDocument;
    const win = frame.current?.contentWindow as (Window & typeof globalThis) | null | undefined;
    observer.current?.disconnect();
    if (!doc || !win) return;
    if (!doc.querySelector('.title-block')) {
      setShown(false);
      onState({ kind: 'refused', error: readRefusal(doc) });
      return;
    }
    const fit = (): void => setHeight(Math.max(doc.documentElement.scrollHeight, 200));
    fit();
    // The report reflows when the app's width changes (tablet rotation, window resize): follow it.
    observer.current = new win.ResizeObserver(fit);
    observer.current.observe(doc.body);
    setShown(true);
    onState({ kind: 'shown', meta: readMeta(doc) });
  }, [onState]);

  return (
    <iframe
      ref={frame}
      className="report-frame"
      title="Top-line report"
      src={src}
      onLoad={onLoad}
      hidden={!shown}
      style={{ height }}
    />
  );
}

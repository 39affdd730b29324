/** An HTML page with the headers every page of ours carries. */
export interface Page {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
main{max-width:36rem;margin:12vh auto;padding:2rem 2.5rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
h1{font-size:1.35rem;margin:0 0 .75rem}.ok h1{color:#1a7f37}.fail h1{color:#cf222e}
p{margin:.5rem 0}code{font:14px ui-monospace,Menlo,monospace;background:#eff1f3;padding:.1rem .3rem;border-radius:4px}
.muted{color:#59636e;font-size:.9rem}`;

/**
 * base64(SHA-256(STYLE)), for the Content-Security-Policy. Written out rather than computed: the
 * loopback flow of the CLI otherwise loads node:crypto for this one hash when it answers the
 * browser (issue 9); test/unit/server-loopback.test.ts recomputes it, so an edit of STYLE without
 * this fails there ("the CSP's style hash is the hash of the page's inline style"), with the value
 * to write.
 */
const STYLE_HASH = '9Wg9vEgeHMOqU6m46Uk5m3jT6zd8PPlA3LM0QPkcQgs=';

/**
 * Headers for every HTML page: nothing loads but our one inline style (allowed by hash), no
 * caching (the URL carried a code), no Referer (it would leak the code to any link target),
 * no framing, no MIME sniffing, and `Connection: close` so the listener can shut at once.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  Connection: 'close',
});

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders a page; `title` and `paragraphs` are plain text and are escaped. */
export function renderPage(kind: 'ok' | 'fail', status: number, title: string, paragraphs: readonly string[]): Page {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)} · ads-oauth</title><style>${STYLE}</style></head>
<body class="${kind}"><main><h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p class="muted">You can close this tab.</p></main></body></html>
`;
  return { status, headers: { ...PAGE_HEADERS }, body };
}

/** The page Google's tools show, but only after the token exchange succeeded. */
export function successPage(): Page {
  return renderPage('ok', 200, 'Authorization complete', [
    'Your refresh token has been fetched. Check the console output for further instructions.',
  ]);
}

/** A failure page; `reason` is shown escaped and must not contain secrets. */
export function failurePage(status: number, title: string, reason: string): Page {
  return renderPage('fail', status, title, [reason, 'Check the console output for what to do next.']);
}

/** A plain-text error answer (404, 405, 421) with the same protective headers. */
export function plainPage(status: number, text: string, extra: Record<string, string> = {}): Page {
  return {
    status,
    headers: { ...PAGE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra },
    body: `${text}\n`,
  };
}

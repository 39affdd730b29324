/**
 * The HTML of `ads-oauth serve`: one inline style sheet for every page (allowed by its hash in the
 * Content-Security-Policy, so nothing else can style or script a page), escaping, and the page shell.
 */
import { createHash } from 'node:crypto';

export const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
main{max-width:36rem;margin:8vh 1rem;padding:1.5rem 1.25rem;background:#fff;border:1px solid #d0d7de;border-radius:12px}
@media (min-width:40rem){main{margin:8vh auto;padding:2rem 2.5rem}}
h1{font-size:1.35rem;margin:0 0 .75rem}.ok h1{color:#1a7f37}.fail h1{color:#cf222e}
p{margin:.5rem 0}a.button{display:inline-block;margin-top:1rem;padding:.75rem 1.25rem;background:#0969da;color:#fff;border-radius:8px;text-decoration:none;font-weight:600}
a.button:focus-visible{outline:3px solid #1f2328;outline-offset:2px}
main.wide{max-width:72rem;margin:1rem .5rem}@media (min-width:40rem){main.wide{margin:2rem auto}}
h2{font-size:1.1rem;margin:1.75rem 0 .5rem}a{color:#0969da}
.bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;margin:0 0 1rem;padding-bottom:.75rem;border-bottom:1px solid #d0d7de}.brand{font-weight:700;margin:0}.bar .actions p{margin:0}
.muted{color:#59636e;font-size:.9rem}code,.secret{font:14px/1.4 ui-monospace,Menlo,Consolas,monospace}
.secret{display:block;word-break:break-all;padding:.6rem .75rem;background:#eff1f3;border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0}
table{border-collapse:collapse;width:100%;font-size:.95rem}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem .5rem;border-bottom:1px solid #d0d7de}thead th{background:#f6f8fa;font-size:.85rem}
tbody th{font-weight:600;overflow-wrap:break-word}@media (min-width:48rem){tbody th{min-width:13rem}td select{max-width:15rem}}
button,a.btn{font:inherit;font-size:.9rem;line-height:1.2;padding:.45rem .75rem;border-radius:6px;border:1px solid #8c959f;background:#f6f8fa;color:#1f2328;cursor:pointer;text-decoration:none;display:inline-block}
button.primary{background:#0969da;border-color:#0969da;color:#fff}button.danger,a.btn.danger{background:#fff;border-color:#cf222e;color:#a40e26}
button:hover{filter:brightness(.95)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #0969da;outline-offset:2px}
form{margin:0}.actions{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}.field{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.5rem 0}
label{font-weight:600;font-size:.9rem}input[type=text],select{font:inherit;font-size:.9rem;padding:.4rem .5rem;border:1px solid #8c959f;border-radius:6px;background:#fff;color:#1f2328;max-width:100%}
.status{font-weight:600}.status-active{color:#1a7f37}.status-reconnect_required,.status-revoked{color:#a40e26}
.notice{padding:.6rem .8rem;border-radius:8px;background:#ddf4ff;border:1px solid #54aeff;margin:.75rem 0}.warn{padding:.6rem .8rem;border-radius:8px;background:#fff8c5;border:1px solid #d4a72c;margin:.75rem 0}
ul.checks{padding-left:1.25rem}.pass{color:#1a7f37}.fail-check{color:#a40e26}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:47.99rem){table.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.cards tr{display:block;border:1px solid #d0d7de;border-radius:8px;margin:.75rem 0;padding:.5rem .75rem}
table.cards th,table.cards td{display:block;border:0;padding:.2rem 0}table.cards td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#59636e}}`;

export const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A page whose `title` and `paragraphs` are plain text (escaped); `extraHtml` is trusted markup. */
export function page(kind: 'ok' | 'fail' | 'plain', title: string, paragraphs: readonly string[], extraHtml = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main class="${kind}"><h1>${escapeHtml(title)}</h1>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}${extraHtml}</main></body></html>`;
}

/** A wide page for the admin screens; `bodyHtml` is trusted markup (escape everything that goes in). */
export function widePage(title: string, bodyHtml: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · ads-oauth</title><style>${STYLE}</style></head><body><main class="wide">${bodyHtml}</main></body></html>`;
}

import { createHash } from 'node:crypto';

/**
 * The page's only subresources, served from the app itself (`'self'` in the CSP): one stylesheet,
 * one optional script, one icon. Names carry a content hash, so they can be cached for a year.
 * No fonts, no images, nothing from another origin.
 */
const CSS = `*,*::before,*::after{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:1rem;line-height:1.5;color:#1b1b1b;background:#fff;overflow-wrap:anywhere}
.brand{background:#1d4f46;color:#fff;padding:.75rem 1rem}
.brand p{max-width:40rem;margin:0 auto;font-weight:600}
.main{max-width:40rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.625rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.25rem;line-height:1.3;margin:1.5rem 0 .5rem}
p{margin:0 0 1rem}
a{color:#1d4f46}
.due{font-weight:600}
.small,.hint{color:#4a4a4a}
.hint p{margin:0 0 .5rem}
.note{background:#f3f2f1;border-left:5px solid #1d4f46;padding:1rem 1rem .25rem;margin:0 0 1.5rem}
.note h2{margin-top:0;font-size:1.125rem}
details{margin:0 0 1.5rem}
summary{display:list-item;cursor:pointer;color:#1d4f46;font-weight:600;min-height:2.75rem;padding:.625rem 0}
fieldset{border:0;margin:0;padding:0;min-width:0}
.field{margin:0 0 2rem}
.q{display:block;float:none;width:100%;font-weight:700;font-size:1.125rem;line-height:1.35;margin:0 0 .5rem;padding:0}
.opt{font-weight:400}
.err{color:#b10e1e;font-weight:700;margin:0 0 .75rem}
.field-error{border-left:5px solid #b10e1e;padding-left:.75rem}
.options-list{display:grid;gap:.5rem}
.options-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(2.75rem,1fr));gap:.25rem}
.option{display:flex;align-items:center;gap:.75rem;min-height:2.75rem;padding:.5rem .75rem;border:2px solid #6f6f6f;border-radius:.375rem;background:#fff;cursor:pointer}
.options-grid .option{flex-direction:column;justify-content:center;gap:.25rem;min-height:4.25rem;padding:.5rem 0;font-weight:600}
.option input{flex:none;width:1.5rem;height:1.5rem;margin:0;accent-color:#1d4f46}
.option:has(:checked){border-color:#1d4f46;background:#e8f1ee}
.option:has(:focus-visible){outline:3px solid #fd0;outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}
textarea{display:block;width:100%;min-height:8rem;padding:.5rem;font:inherit;color:inherit;border:2px solid #0b0c0c;border-radius:0;resize:vertical}
.field-error textarea{border-color:#b10e1e}
input:focus-visible,textarea:focus-visible,button:focus-visible,a:focus-visible,summary:focus-visible{outline:3px solid #fd0;outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}
.button{display:block;width:100%;min-height:2.75rem;padding:.625rem 1.25rem;font:inherit;font-weight:700;color:#fff;background:#1d4f46;border:0;border-radius:.375rem;box-shadow:0 2px 0 #0b2822;cursor:pointer}
.button:hover{background:#163d36}
.error-summary{border:5px solid #b10e1e;padding:1rem 1rem .5rem;margin:0 0 1.5rem}
.error-summary:focus{outline:3px solid #fd0;outline-offset:0}
.error-summary h2{margin-top:0}
.error-summary ul{margin:0 0 .5rem;padding-left:1.25rem}
.error-summary a{display:block;padding:.625rem 0;color:#b10e1e;font-weight:700}
.error-summary li{margin:0}
.panel{border:5px solid #1d4f46;padding:1rem 1rem .25rem;margin:0 0 1.5rem}
.vh{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;clip-path:inset(50%)!important;border:0!important;white-space:nowrap!important}
form{margin:0 0 1.5rem}
@media (min-width:40rem){.button{display:inline-block;width:auto}}
`;

/** Optional: focuses the error summary and the field a summary link points at, and ignores a second submit. */
const JS = `(function () {
  'use strict';
  var summary = document.getElementById('error-summary');
  if (summary) {
    summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
      var input = link && document.getElementById(link.getAttribute('href').slice(1));
      if (!input) return;
      event.preventDefault();
      var group = input.closest('fieldset') || input.closest('.field') || input;
      group.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }
  var forms = document.querySelectorAll('form[data-once]');
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener('submit', function (event) {
      if (this.getAttribute('data-sent')) event.preventDefault();
      else this.setAttribute('data-sent', '1');
    });
  }
})();
`;

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#1d4f46"/></svg>`;

export interface PageAsset {
  /** File name under the page's asset path, with a content hash. */
  name: string;
  contentType: string;
  body: Buffer;
}

function asset(stem: string, extension: string, contentType: string, content: string): PageAsset {
  const body = Buffer.from(content, 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${stem}-${hash}.${extension}`, contentType, body };
}

export const PAGE_ASSETS = {
  css: asset('page', 'css', 'text/css; charset=utf-8', CSS),
  js: asset('page', 'js', 'text/javascript; charset=utf-8', JS),
  icon: asset('icon', 'svg', 'image/svg+xml', ICON),
} as const;

const BY_NAME = new Map<string, PageAsset>(Object.values(PAGE_ASSETS).map((a) => [a.name, a]));

export function pageAsset(name: string): PageAsset | undefined {
  return BY_NAME.get(name);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to put in HTML, as content or as a quoted attribute's value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/** `2026-11-30 07:09:04 UTC` in a <time> element carrying the exact ISO time. */
export function timeElement(iso: string): string {
  const shown = `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(shown)}</time>`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; color: #111; background: #fff; line-height: 1.4; }
a { color: #0645ad; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem; border-bottom: 1px solid #ccc; }
th { background: #f0f0f0; }
caption { text-align: left; padding: 0.4rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: bold; }
dd { margin: 0; overflow-wrap: anywhere; }
iframe { width: 100%; height: 36rem; border: 1px solid #999; background: #fff; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; border: 1px solid #ccc; padding: 0.6rem; background: #f8f8f8; }
`;

/**
 * A whole page: `title` (already plain text, escaped here) and `main`, the HTML inside <main>,
 * every piece of which from a message must have gone through escapeHtml.
 */
export function htmlPage(title: string, main: string): string {
  // The empty icon keeps browsers from asking for /favicon.ico, which nothing serves.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

/** The page for a path under /mail that is neither the inbox nor a message, and for an unknown message. */
export function notFoundPage(what: string): string {
  return htmlPage(
    'Not found — local mail inbox',
    `<h1>Not found</h1>
<p>${escapeHtml(what)}</p>
<p><a href="/mail">Back to the inbox</a></p>`,
  );
}

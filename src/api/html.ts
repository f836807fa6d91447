const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML; every value put into a page goes through it. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char]!);

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
blockquote{border-left:3px solid #ccc;margin:1rem 0;padding-left:1rem;white-space:pre-wrap}
form{margin:1rem 0}input{padding:.4rem;font-size:1rem}button{padding:.5rem 1rem;font-size:1rem;margin-right:.5rem}</style>
</head><body>${body}</body></html>`;
}

/**
 * Safe HTML from text: everything is escaped first, then only the few marks WhatsApp itself
 * formats (*bold*, _italic_, ~strike~, "• " bullets, links) become tags. A contact's or an
 * owner's text can never inject markup into a page.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A template tag whose interpolations are escaped unless they are `Html` already. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

type Part = string | number | Html | undefined | null | false | readonly Part[]

function partToHtml(part: Part): string {
  if (part === undefined || part === null || part === false) return ''
  if (part instanceof Html) return part.value
  if (Array.isArray(part)) return part.map(partToHtml).join('')
  return escapeHtml(String(part))
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < parts.length ? partToHtml(parts[i]!) : ''), ''))
}

/** Inline marks of one (escaped) line: bold, italic, strike, and web or mail links. */
function inline(escaped: string): string {
  return escaped
    .replace(/(^|[\s(])\*(\S(?:[^*]*\S)?)\*(?=$|[\s.,;:!?)])/g, '$1<strong>$2</strong>')
    .replace(/(^|[\s(])_(\S(?:[^_]*\S)?)_(?=$|[\s.,;:!?)])/g, '$1<em>$2</em>')
    .replace(/(^|[\s(])~(\S(?:[^~]*\S)?)~(?=$|[\s.,;:!?)])/g, '$1<s>$2</s>')
    .replace(/\bhttps?:\/\/(?:[^\s<&]|&amp;)+/g, (match) => {
      // A sentence's full stop or closing bracket after a link is not part of it.
      const url = match.replace(/[.,;:!?)]+$/, '')
      return `<a href="${url}" rel="noopener noreferrer">${url}</a>${match.slice(url.length)}`
    })
    .replace(/(^|[\s(:])([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})(?=$|[\s.,;:!?)])/g, '$1<a href="mailto:$2">$2</a>')
}

/**
 * A WhatsApp-formatted text as HTML: blank lines separate paragraphs, lines starting with "• "
 * become a list, other line breaks stay line breaks.
 */
export function whatsappToHtml(text: string): Html {
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)
  const out: string[] = []
  for (const block of blocks) {
    const lines = block.split('\n').filter((line) => line.trim() !== '')
    let paragraph: string[] = []
    let list: string[] = []
    const flush = () => {
      if (paragraph.length) out.push(`<p>${paragraph.join('<br>\n')}</p>`)
      if (list.length) out.push(`<ul>\n${list.map((item) => `<li>${item}</li>`).join('\n')}\n</ul>`)
      paragraph = []
      list = []
    }
    for (const line of lines) {
      const bullet = /^\s*[•·*-]\s+(.*)$/.exec(line)
      if (bullet) {
        if (paragraph.length) flush()
        list.push(inline(escapeHtml(bullet[1]!)))
      } else {
        if (list.length) flush()
        paragraph.push(inline(escapeHtml(line)))
      }
    }
    flush()
  }
  return new Html(out.join('\n'))
}

/**
 * A whole page: no script, no external resource; the styles are inline (see the CSP). It names
 * itself to no one (`no-referrer`), or, for a page whose forms post back, to its own server only.
 */
export function page(options: { title: string; language: string; body: Html; style?: string; referrer?: 'same-origin' }): string {
  return `<!doctype html>
${
  html`<html lang="${options.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${options.referrer ?? 'no-referrer'}">
<link rel="icon" href="data:,">
<title>${options.title}</title>
<style>${new Html(BASE_STYLE + (options.style ?? ''))}</style>
</head>
<body>
${options.body}
</body>
</html>`.value
}
`
}

const BASE_STYLE = `
:root { color-scheme: light dark; --fg: #1d232b; --muted: #5b6573; --line: #d7dce2; --bg: #fff; --accent: #0b6b53; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --muted: #a5adb8; --line: #3a414b; --bg: #15191e; --accent: #5fd0ae; } }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
main { max-width: 46rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
a { color: var(--accent); }
.muted { color: var(--muted); }
nav.languages { text-align: right; font-size: .95rem; }
nav.languages a, nav.languages span { margin-left: .75rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
`

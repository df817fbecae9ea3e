import type { ComponentChildren } from 'preact'

/**
 * The safe markdown subset nudges may use: **bold**, *italic*, [text](/relative/path) and line breaks.
 * Everything else, `<script>` included, is plain text: nothing is ever parsed as HTML. A link target is a path
 * on this site: `//host`, `/\host` (browsers read both as another host), schemes and whitespace stay text.
 */
const LINK = /^\[([^\]]+)\]\((\/(?![/\\])[^)\s]*)\)$/
const TOKEN = /(\*\*[^*]+\*\*|\*[^*]+\*|\[[^\]]+\]\(\/(?![/\\])[^)\s]*\)|\n)/g

/** The resolved link stays on the page's own origin (belt and braces over the pattern). */
function local(href: string): boolean {
  try {
    return new URL(href, location.href).origin === location.origin
  } catch {
    return false
  }
}

export function RichText({ text }: { text: string }) {
  const out: ComponentChildren[] = []
  text.split(TOKEN).forEach((part, i) => {
    if (!part) return
    if (part === '\n') out.push(<br key={i} />)
    else if (part.startsWith('**') && part.endsWith('**') && part.length > 4) out.push(<strong key={i}>{part.slice(2, -2)}</strong>)
    else if (part.startsWith('*') && part.endsWith('*') && part.length > 2) out.push(<em key={i}>{part.slice(1, -1)}</em>)
    else if (part.startsWith('[')) {
      const m = part.match(LINK)
      out.push(
        m && local(m[2]) ? (
          <a key={i} href={m[2]}>
            {m[1]}
          </a>
        ) : (
          part
        ),
      )
    } else out.push(part)
  })
  return <>{out}</>
}

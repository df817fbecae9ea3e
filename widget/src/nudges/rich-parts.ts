/**
 * The safe markdown subset nudges may use: **bold**, *italic*, [text](/relative/path) and line breaks.
 * Everything else, `<script>` included, is plain text: nothing is ever parsed as HTML. A link target is a path
 * on this site: `//host`, `/\host` (browsers read both as another host), schemes and whitespace stay text.
 * Shared by the nudge chunk (Preact) and the tours chunk (plain DOM).
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

export type RichPart = { t: 'text' | 'b' | 'i' | 'br'; text: string } | { t: 'a'; text: string; href: string }

/** The text as parts to render: plain text, bold, italic, line breaks, and same-site links. */
export function richParts(text: string): RichPart[] {
  const out: RichPart[] = []
  for (const part of text.split(TOKEN)) {
    if (!part) continue
    if (part === '\n') out.push({ t: 'br', text: '' })
    else if (part.startsWith('**') && part.endsWith('**') && part.length > 4) out.push({ t: 'b', text: part.slice(2, -2) })
    else if (part.startsWith('*') && part.endsWith('*') && part.length > 2) out.push({ t: 'i', text: part.slice(1, -1) })
    else {
      const m = part.startsWith('[') && part.match(LINK)
      out.push(m && local(m[2]) ? { t: 'a', text: m[1], href: m[2] } : { t: 'text', text: part })
    }
  }
  return out
}

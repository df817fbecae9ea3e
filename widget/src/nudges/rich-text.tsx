import type { ComponentChildren } from 'preact'

/**
 * The safe markdown subset nudges may use: **bold**, *italic*, [text](/relative/path) and line breaks.
 * Everything else, `<script>` included, is plain text: nothing is ever parsed as HTML.
 */
const TOKEN = /(\*\*[^*]+\*\*|\*[^*]+\*|\[[^\]]+\]\(\/[^)\s]*\)|\n)/g

export function RichText({ text }: { text: string }) {
  const out: ComponentChildren[] = []
  text.split(TOKEN).forEach((part, i) => {
    if (!part) return
    if (part === '\n') out.push(<br key={i} />)
    else if (part.startsWith('**') && part.endsWith('**') && part.length > 4) out.push(<strong key={i}>{part.slice(2, -2)}</strong>)
    else if (part.startsWith('*') && part.endsWith('*') && part.length > 2) out.push(<em key={i}>{part.slice(1, -1)}</em>)
    else if (part.startsWith('[')) {
      const m = part.match(/^\[([^\]]+)\]\((\/[^)\s]*)\)$/)
      out.push(m ? <a key={i} href={m[2]}>{m[1]}</a> : part)
    } else out.push(part)
  })
  return <>{out}</>
}

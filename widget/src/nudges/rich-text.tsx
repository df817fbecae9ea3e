import { richParts } from './rich-parts'

/** Nudge text in the safe markdown subset (./rich-parts): never parsed as HTML. */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {richParts(text).map((p, i) =>
        p.t === 'br' ? (
          <br key={i} />
        ) : p.t === 'b' ? (
          <strong key={i}>{p.text}</strong>
        ) : p.t === 'i' ? (
          <em key={i}>{p.text}</em>
        ) : p.t === 'a' ? (
          <a key={i} href={p.href}>
            {p.text}
          </a>
        ) : (
          p.text
        ),
      )}
    </>
  )
}

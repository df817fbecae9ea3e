import type { z } from '@hono/zod-openapi'
import { useState } from 'preact/hooks'
import type { authoringLinkSchema } from '../../../shared/api/authoring'
import { api, ApiFailure } from '../api'
import './authoring.css'

type Link = z.infer<typeof authoringLinkSchema>

const APP_URL = 'uptake.console.appUrl'

function remembered(): string {
  try {
    return localStorage.getItem(APP_URL) ?? ''
  } catch {
    return ''
  }
}

/**
 * "Open in my app": asks the server for a one-time authoring link to a page of the product and opens it in a new tab,
 * where the widget turns it into a short builder session. The admin key never leaves the console.
 */
export function OpenInAppButton(props: { url?: string }) {
  const [url, setUrl] = useState(props.url ?? remembered())
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const open = async (e: Event) => {
    e.preventDefault()
    setError('')
    if (!/^https?:\/\/\S+$/i.test(url.trim())) return setError('Enter the address of a page of your product, starting with https://')
    // opened now, inside the click, so no popup blocker stops it; pointed at the link once the server made it
    const tab = window.open('', '_blank')
    setBusy(true)
    try {
      const { link } = await api<Link>('/authoring/links', { method: 'POST', body: { url: url.trim() } })
      try {
        localStorage.setItem(APP_URL, url.trim())
      } catch {
        // not remembered: asked again next time
      }
      if (tab) {
        tab.opener = null // the product page gets no handle on the console
        tab.location.href = link
      } else location.assign(link)
    } catch (err) {
      tab?.close()
      setError(
        err instanceof ApiFailure && err.status === 403
          ? 'Opening the builder needs an admin key (sk_…).'
          : err instanceof Error
            ? err.message
            : String(err),
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <form class="open-in-app" onSubmit={open}>
      <label>
        Page of your product
        <input
          type="url"
          value={url}
          placeholder="https://app.example.com/reports"
          onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        Open in my app
      </button>
      <small>
        Opens the page with the Uptake builder: point at a button to define a feature or put a nudge in place. The link works once, for 10
        minutes.
      </small>
      {error && (
        <p class="state state-error" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}

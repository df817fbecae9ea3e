import { render } from 'preact'
import type { UptakeClient } from '../client'
import { BuilderApi, describe, exchangeLink } from './api'
import { AUTHOR_SESSION_KEY, BUILDER_GLOBAL, type BuilderEntry, type NudgePreview } from './host'
import { layerParent } from './picker'
import { BUILDER_CSS } from './styles'
import { Boundary, Builder, type BuilderContext } from './ui'

const HOST_ATTR = 'data-uptake-builder'

/** The builder's one shadow host: its styles apart from the page's, moved into an open modal <dialog> when there is one. */
function mountHost(): { root: HTMLElement; host: HTMLElement; relayer: () => void; remove: () => void } {
  const host = document.createElement('div')
  host.setAttribute(HOST_ATTR, '')
  const shadow = host.attachShadow({ mode: 'open' })
  const sheet = new CSSStyleSheet()
  sheet.replaceSync(BUILDER_CSS)
  shadow.adoptedStyleSheets = [sheet]
  const root = document.createElement('div')
  root.className = 'b'
  shadow.appendChild(root)
  const relayer = () => {
    const parent = layerParent()
    if (host.parentElement !== parent) parent.appendChild(host)
  }
  relayer()
  // a modal <dialog> opened or closed by the product: the builder follows it, or it would be inert or hidden
  const timer = setInterval(relayer, 400)
  return {
    root,
    host,
    relayer,
    remove: () => {
      clearInterval(timer)
      render(null, root)
      host.remove()
    },
  }
}

/** The builder's own layer or a nudge's (a preview): never highlighted or picked, whatever shadow root it sits in. */
function isUptakeUi(el: Element, host: Element): boolean {
  for (let n: Node | null = el; n; n = n instanceof ShadowRoot ? n.host : n.parentNode) {
    if (n === host || (n instanceof Element && n.hasAttribute('data-uptake-host'))) return true
  }
  return false
}

function notice(text: string) {
  const { root, remove } = mountHost()
  render(
    <div class="panel min" role="status">
      {text}{' '}
      <button class="link" onClick={remove}>
        Close
      </button>
    </div>,
    root,
  )
}

async function open(client: UptakeClient, linkToken: string | undefined, nudges: NudgePreview): Promise<void> {
  if (document.querySelector(`[${HOST_ATTR}]`)) return
  const writeKey = client.opts?.writeKey
  if (!writeKey) return
  let token = sessionStorage.getItem(AUTHOR_SESSION_KEY)
  if (linkToken) {
    try {
      token = (await exchangeLink(client.host, linkToken, writeKey)).session
      sessionStorage.setItem(AUTHOR_SESSION_KEY, token)
    } catch (e) {
      if (!token) return notice(`Uptake authoring: ${describe(e)}`)
    }
  }
  if (!token) return
  const api = new BuilderApi(client.host, token)
  let context: BuilderContext
  try {
    context = await api.call<BuilderContext>('/context')
  } catch (e) {
    sessionStorage.removeItem(AUTHOR_SESSION_KEY) // ended, revoked or refused: this tab is no longer in authoring mode
    return notice(`Uptake authoring: ${describe(e)}`)
  }
  const layer = mountHost()
  const exit = () => {
    nudges.preview(null)
    sessionStorage.removeItem(AUTHOR_SESSION_KEY)
    layer.remove()
    api.call('/session', 'DELETE').catch(() => {})
  }
  render(
    <Boundary>
      <Builder
        api={api}
        nudges={nudges}
        context={context}
        isOwn={(el) => isUptakeUi(el, layer.host)}
        relayer={layer.relayer}
        onExit={exit}
      />
    </Boundary>,
    layer.root,
  )
}

/** Entry: called by the nudge chunk in authoring mode. Never throws into the product page. */
const entry: BuilderEntry = (client, linkToken, nudges) => {
  try {
    open(client, linkToken, nudges).catch(() => {})
  } catch {
    // a page without sessionStorage or shadow DOM: no builder, nothing broken
  }
}
;(window as unknown as Record<string, BuilderEntry>)[BUILDER_GLOBAL] = entry

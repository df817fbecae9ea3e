import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { DueNudge } from '../../shared/nudge-events'
import type { NudgeUI } from '../../widget/src/nudges/host'

let ui: NudgeUI
const host = { report: vi.fn(), navigate: vi.fn() }
const banner = (key: string): DueNudge => ({ key, kind: 'banner', title: 'Hi', body: 'Body', buttons: [] })
/** The themed element inside the nudge's shadow root. */
const themed = (key: string) => document.querySelector(`[data-uptake-host="${key}"]`)?.shadowRoot?.querySelector<HTMLElement>('.u')

beforeAll(async () => {
  await import('../../widget/src/nudges/index')
  ui = (window as unknown as Record<string, NudgeUI>).__uptakeNudges
})

describe('the nudge UI applies only valid theme values', () => {
  it('sets colours, lengths and fonts as CSS custom properties', async () => {
    ui.render({ nudges: [banner('ok')], theme: { accent: '#e91e63', radius: '4px', font: 'Inter, sans-serif' } }, host)
    await vi.waitFor(() => expect(themed('ok')).toBeTruthy())
    const style = themed('ok')!.style
    expect(style.getPropertyValue('--uptake-accent')).toBe('#e91e63')
    expect(style.getPropertyValue('--uptake-radius')).toBe('4px')
    expect(style.getPropertyValue('--uptake-font')).toBe('Inter, sans-serif')
  })

  it('never applies a url() or any other value the server would refuse, even if one arrives', async () => {
    ui.render(
      {
        nudges: [banner('bad')],
        theme: {
          accent: 'url(//evil.example/x.png)',
          bg: 'red; background-image: url(x)',
          radius: 'calc(1px)',
          font: 'x, url(//evil.example/f.woff)',
          fg: '#123456',
        },
      },
      host,
    )
    await vi.waitFor(() => expect(themed('bad')).toBeTruthy())
    const style = themed('bad')!.style
    for (const name of ['--uptake-accent', '--uptake-bg', '--uptake-radius', '--uptake-font']) expect(style.getPropertyValue(name)).toBe('')
    expect(style.cssText).not.toContain('url(')
    expect(style.getPropertyValue('--uptake-fg')).toBe('#123456')
  })
})

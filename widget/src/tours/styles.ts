/** The tour card and the launcher, on top of the nudge styles (shared/nudges/styles.ts) in the same shadow root. */
export const TOUR_CSS = `
.tour { position: fixed; z-index: 2147483002; }
.float { top: 50%; left: 50%; transform: translate(-50%, -50%); width: min(360px, calc(100vw - 24px)); }
.prog { font-size: 12px; opacity: .75; margin: 0 0 4px; }
.row .skip { margin-right: auto; border: none; padding-left: 0; padding-right: 0; text-decoration: underline; }
.launch { position: fixed; bottom: var(--lb, 16px); z-index: 2147483000; background: var(--a); border-color: var(--a); color: #fff; border-radius: 999px; padding: 8px 16px; box-shadow: 0 4px 14px #0003; }
.left { left: 16px; } .right { right: 16px; }
.lpanel { position: fixed; bottom: calc(var(--lb, 16px) + 48px); z-index: 2147483001; width: min(320px, calc(100vw - 32px)); }
.lpanel ul { list-style: none; padding: 0; margin: 0; } .lpanel li { padding: 8px 0; border-top: 1px solid #8883; }
.lpanel li > div { display: flex; align-items: center; gap: 8px; } .gt { font-weight: 600; flex: 1; }
.gs { font-size: 12px; opacity: .75; margin: 2px 0 0; } .lpanel .steps { margin: 4px 0 0; font-size: 13px; }
`

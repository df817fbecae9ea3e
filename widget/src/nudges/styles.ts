/** Styles live in the shadow root (adopted stylesheet): host CSS cannot reach them and they cannot reach the host. */
export const CSS = `
:host { all: initial; }
.u { --a: var(--uptake-accent, #3d5afe); --bg: var(--uptake-bg, #fff); --fg: var(--uptake-fg, #1f2430); --r: var(--uptake-radius, 10px);
  font: 14px/1.45 var(--uptake-font, system-ui, sans-serif); color: var(--fg); }
@media (prefers-color-scheme: dark) { .u { --bg: var(--uptake-bg-dark, #1f2229); --fg: var(--uptake-fg-dark, #e6e8ee); } }
.card { background: var(--bg); color: var(--fg); border-radius: var(--r); box-shadow: 0 8px 30px #0004; padding: 14px 16px; box-sizing: border-box; max-width: min(340px, calc(100vw - 24px)); max-height: calc(100vh - 24px); overflow: auto; animation: in .18s ease-out; }
@keyframes in { from { opacity: 0; transform: translateY(4px); } }
@media (prefers-reduced-motion: reduce) { .card, .beacon { animation: none !important; } }
h2 { font-size: 15px; margin: 0 0 6px; }
p { margin: 0 0 10px; }
a { color: var(--a); }
button { font: inherit; border-radius: calc(var(--r) * .6); border: 1px solid #8886; background: transparent; color: inherit; padding: 6px 12px; cursor: pointer; }
button.primary { background: var(--a); border-color: var(--a); color: #fff; }
button:focus-visible, a:focus-visible, textarea:focus-visible { outline: 3px solid var(--a); outline-offset: 2px; }
.row { display: flex; gap: 8px; flex-wrap: wrap; justify-content: flex-end; }
.x { position: absolute; top: 6px; right: 8px; border: none; padding: 2px 6px; font-size: 18px; line-height: 1; }
.rel { position: relative; }
.banner { position: fixed; top: 0; left: 0; right: 0; z-index: 2147483000; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; background: var(--a); color: #fff; padding: 10px 44px 10px 16px; }
.banner p, .banner h2 { margin: 0; } .banner button { border-color: #fff8; }
.overlay { position: fixed; inset: 0; background: #0007; z-index: 2147483001; display: grid; place-items: center; }
.tip { position: fixed; z-index: 2147483002; }
.panel { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; width: min(300px, calc(100vw - 32px)); }
.steps { list-style: none; padding: 0; margin: 8px 0; } .steps li { padding: 4px 0; } .done { text-decoration: line-through; opacity: .7; }
progress { width: 100%; accent-color: var(--a); }
.scale { display: grid; grid-template-columns: repeat(11, 1fr); gap: 4px; margin: 8px 0; } .scale button { padding: 6px 0; }
.scale button[aria-pressed="true"] { background: var(--a); color: #fff; }
textarea { width: 100%; box-sizing: border-box; font: inherit; margin-bottom: 8px; border-radius: 6px; padding: 6px; }
.beacon { position: fixed; z-index: 2147483002; width: 18px; height: 18px; border-radius: 50%; background: var(--a); border: 3px solid #fff; padding: 0; animation: pulse 1.6s infinite; }
@keyframes pulse { 50% { box-shadow: 0 0 0 8px #3d5afe33; } }
`

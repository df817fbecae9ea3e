/** The builder's own styles, in its shadow roots (adopted stylesheet): nothing reaches the product page, and back. */
export const BUILDER_CSS = `
:host { all: initial; }
[hidden] { display: none !important; }
.b { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1c2030; --a: #3d5afe; }
.panel { position: fixed; right: 16px; bottom: 16px; z-index: 2147483646; width: 380px; max-height: calc(100vh - 32px); overflow: auto;
  background: #fff; border-radius: 12px; box-shadow: 0 12px 40px #0005; box-sizing: border-box; padding: 12px 14px 14px; }
.panel.min { width: auto; padding: 8px 12px; }
@media (max-width: 600px) { .panel { left: 0; right: 0; bottom: 0; width: auto; max-height: 62vh; border-radius: 14px 14px 0 0; } }
header { display: flex; align-items: center; gap: 8px; margin: -12px -14px 8px; padding: 10px 14px 6px; position: sticky; top: -12px; background: inherit; z-index: 1; }
.actions { position: sticky; bottom: -14px; margin: 10px -14px -14px; padding: 8px 14px 12px; background: inherit; border-top: 1px solid #e2e5ef; }
header strong { font-size: 14px; flex: 1; }
header small { color: #5b6275; }
h3 { font-size: 13px; margin: 12px 0 6px; }
p { margin: 4px 0 8px; }
label, .field { display: block; margin: 6px 0; color: #3a4152; }
label.inline { display: inline-flex; align-items: center; gap: 6px; margin-right: 12px; }
input, select, textarea { font: inherit; box-sizing: border-box; width: 100%; padding: 6px 8px; border: 1px solid #c9cede; border-radius: 6px; background: #fff; color: inherit; margin-top: 2px; }
input[type=checkbox], input[type=radio] { width: auto; margin: 0; }
textarea { min-height: 56px; resize: vertical; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f1f3f9; padding: 1px 4px; border-radius: 4px; word-break: break-all; }
button { font: inherit; cursor: pointer; border-radius: 7px; border: 1px solid #c9cede; background: #fff; color: inherit; padding: 6px 11px; min-height: 32px; }
button.primary { background: var(--a); border-color: var(--a); color: #fff; }
button.link { border: none; background: none; color: var(--a); padding: 4px; min-height: 0; }
button:disabled { opacity: .55; cursor: default; }
button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #3d5afe88; outline-offset: 1px; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 10px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 10px; }
.card { border: 1px solid #e2e5ef; border-radius: 8px; padding: 8px 10px; margin: 8px 0; }
.stats { display: flex; gap: 14px; flex-wrap: wrap; margin: 6px 0; }
.stats b { font-size: 16px; display: block; }
.ok { color: #13795b; } .warn { color: #a15c00; } .err { color: #b3261e; }
.msg { padding: 6px 8px; border-radius: 6px; background: #f1f3f9; margin: 8px 0; }
.msg.err { background: #fdecea; } .msg.ok { background: #e6f4ee; }
.tabs { display: flex; gap: 4px; flex-wrap: wrap; margin: 6px 0; }
.tabs button[aria-pressed=true] { background: #e8ecff; border-color: var(--a); }
ul.list { list-style: none; padding: 0; margin: 4px 0; } ul.list li { display: flex; justify-content: space-between; gap: 8px; padding: 3px 0; border-bottom: 1px solid #f0f1f6; }
.hl { position: fixed; z-index: 2147483645; pointer-events: none; border: 2px solid var(--a); background: #3d5afe1f; border-radius: 3px; box-sizing: border-box; }
.hl span { position: absolute; left: -2px; bottom: 100%; background: var(--a); color: #fff; font: 11px ui-monospace, monospace; padding: 1px 5px; border-radius: 3px 3px 0 0; white-space: nowrap; max-width: 70vw; overflow: hidden; text-overflow: ellipsis; }
.hint { position: fixed; top: 12px; left: 50%; transform: translateX(-50%); z-index: 2147483646; background: #1c2030; color: #fff; padding: 8px 14px; border-radius: 20px; box-shadow: 0 6px 20px #0004; max-width: calc(100vw - 24px); box-sizing: border-box; }
@media (prefers-color-scheme: dark) {
  .b { color: #e6e8ee; } .panel { background: #1f2229; } input, select, textarea, button { background: #2a2e38; border-color: #454b5c; }
  code, .msg { background: #2a2e38; } header small, label { color: #b8bdcb; } .card { border-color: #3a3f4d; }
}
`

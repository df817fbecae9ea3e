// A product page for the builder: a web component whose button lives in an open shadow root.
customElements.define('export-card', class extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'open' });
    const card = document.createElement('div');
    card.className = 'card';
    const b = document.createElement('button');
    b.className = 'sc-bdVaJa primary';
    b.setAttribute('data-testid', 'shadow-export');
    b.textContent = 'Export CSV';
    card.appendChild(b);
    root.appendChild(card);
  }
});
document.addEventListener('DOMContentLoaded', function () {
  document.getElementById('open-settings').addEventListener('click', function () { document.getElementById('settings').showModal(); });
});

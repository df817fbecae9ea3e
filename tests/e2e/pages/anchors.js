// Anchors in hard places: a scroll container, an open shadow root, a modal <dialog>, and one rendered late.
customElements.define('shadow-widget', class extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'open' });
    const b = document.createElement('button');
    b.id = 'in-shadow';
    b.textContent = 'Inside a shadow root';
    root.appendChild(b);
  }
});
document.addEventListener('DOMContentLoaded', function () {
  document.getElementById('dlg').showModal();
  setTimeout(function () {
    const late = document.createElement('button');
    late.id = 'late';
    late.textContent = 'Rendered late';
    document.getElementById('late-slot').appendChild(late);
  }, 1500);
});

// A minimal host app for browser tests: identifies from the query string and tracks on a button.
(function () {
  var q = new URLSearchParams(location.search);
  function api() { return window.uptake; }
  function ready(fn) { if (window.uptake && window.uptake.loaded) fn(); else setTimeout(function () { ready(fn); }, 20); }
  ready(function () {
    if (q.get('user')) api().identify(q.get('user'), { name: q.get('user') });
    if (q.get('account')) api().group(q.get('account'), { name: q.get('account') });
  });
  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('do-thing').addEventListener('click', function () { api().track('Test Thing'); });
    var consent = document.getElementById('consent');
    if (consent) consent.addEventListener('click', function () { api().consent(true); });
  });
})();

// A single-page app whose router reports page views itself, as the old README told integrators to:
// uptake.page() on load, and after (or, with ?order=before, before) every pushState.
(function () {
  var before = new URLSearchParams(location.search).get('order') === 'before';
  window.uptake = window.uptake || [];
  uptake.push(['page']);
  function show() { document.getElementById('view').textContent = 'Page ' + location.pathname; }
  document.addEventListener('DOMContentLoaded', function () {
    show();
    document.addEventListener('click', function (e) {
      var link = e.target.closest('a[data-route]');
      if (!link) return;
      e.preventDefault();
      if (before) uptake.push(['page']);
      history.pushState({}, '', link.getAttribute('href') + location.search);
      show();
      if (!before) uptake.push(['page']);
    });
  });
})();

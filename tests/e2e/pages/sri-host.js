// Embeds uptake.js from another origin (?src=) pinned with ?integrity= and crossorigin, as a host using SRI does.
(function () {
  var q = new URLSearchParams(location.search);
  var s = document.createElement('script');
  s.async = true;
  s.src = q.get('src');
  s.integrity = q.get('integrity');
  s.crossOrigin = 'anonymous';
  s.setAttribute('data-write-key', 'wk_demo');
  document.head.appendChild(s);
})();

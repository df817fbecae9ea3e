// A host's own external script (no inline snippet, CSP-friendly): every call goes through the uptake.push queue,
// which works whether uptake.js has loaded yet or not. ?user=&account= identify; ?tracks=N queues N events at once.
(function () {
  var q = new URLSearchParams(location.search);
  window.uptake = window.uptake || [];
  if (q.get('user')) uptake.push(['identify', q.get('user'), { name: q.get('user') }]);
  if (q.get('account')) uptake.push(['group', q.get('account'), { name: q.get('account') }]);
  for (var i = 0; i < Number(q.get('tracks') || 0); i++) uptake.push(['track', 'Queued Thing', { i: i }]);
  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('do-thing').addEventListener('click', function () { uptake.push(['track', 'Test Thing']); });
  });
})();

// Makes localStorage fail the way browsers do, before the widget loads:
// ?storage=throws — the getter throws SecurityError (storage disabled, sandboxed iframe); ?storage=quota — setItem throws QuotaExceededError.
(function () {
  var mode = new URLSearchParams(location.search).get('storage');
  if (mode === 'throws') {
    Object.defineProperty(window, 'localStorage', { configurable: true, get: function () { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
  }
  if (mode === 'quota') {
    Storage.prototype.setItem = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
  }
})();

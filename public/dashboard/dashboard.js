// A small CS dashboard over the CS API: accounts ranked by health, and one account's explanation.
// Everything shown comes from the same endpoints documented in the README; values are set as text, never HTML.
(function () {
  var $ = function (s) { return document.querySelector(s); };
  var key = sessionStorage.getItem('uptake:key') || '';

  function api(path) {
    return fetch('/api/v1' + path, { headers: { authorization: 'Bearer ' + key } }).then(function (r) {
      return r.json().then(function (body) { if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText); return body; });
    });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (c) { var td = document.createElement('td'); if (c instanceof Node) td.appendChild(c); else td.textContent = c == null ? '—' : String(c); tr.appendChild(td); });
    return tr;
  }

  function band(b) { return b ? el('span', b.replace('_', ' '), 'band ' + b) : '—'; }

  function loadList() {
    $('#hint').textContent = 'Loading…';
    // Ranked by health when scoring is available, else the plain account list.
    api('/health/accounts?sort=risk&limit=200').catch(function () { return null; }).then(function (ranked) {
      return ranked || api('/accounts?limit=500');
    }).then(function (body) {
      var head = $('#accounts thead'), rowsEl = $('#accounts tbody');
      head.textContent = ''; rowsEl.textContent = '';
      var ranked = !!body.items || !!(body.accounts && body.accounts[0] && 'score' in body.accounts[0]);
      var items = body.items || body.accounts || [];
      head.appendChild(row(ranked ? ['Account', 'Health', 'Band', 'Δ30', 'Top risk', 'Flags'] : ['Account', 'Users', 'Active (30 d)', 'Events (30 d)', 'Last seen']));
      items.forEach(function (a) {
        var id = a.account_id || a.id;
        var tr = ranked
          ? row([a.name || id, a.score == null ? '—' : a.score, band(a.band), a.delta30 == null ? '—' : a.delta30, a.top_risk || (a.risk_drivers && a.risk_drivers[0] && a.risk_drivers[0].sentence), (a.flags || []).map(function (f) { return f.rule || f.name || f; }).join(', ')])
          : row([a.name || id, a.users, a.active_users, a.events_30d, a.last_seen && a.last_seen.slice(0, 10)]);
        tr.addEventListener('click', function () { loadDetail(id); });
        rowsEl.appendChild(tr);
      });
      $('#accounts').hidden = false;
      $('#hint').textContent = items.length + ' accounts';
    }).catch(function (e) { $('#hint').textContent = e.message; });
  }

  function loadDetail(id) {
    var d = $('#detail');
    d.hidden = false; d.textContent = 'Loading…';
    api('/health/accounts/' + encodeURIComponent(id)).catch(function () { return api('/accounts/' + encodeURIComponent(id)); }).then(function (body) {
      d.textContent = '';
      var panel = el('div', null, 'panel');
      panel.appendChild(el('h2', body.account ? (body.account.name || body.account.id) : (body.name || body.account_id) + ' — ' + (body.score == null ? 'no score' : body.score) + ' (' + body.band + ')'));
      (body.explanation ? body.explanation.risk_drivers.concat(body.explanation.health_drivers) : []).forEach(function (dr) { panel.appendChild(el('p', dr.sentence)); });
      if (body.explanation) {
        var t = el('table'); t.appendChild(row(['Measure', 'Raw', 'Window', 'Score', 'Weight', 'Contribution', 'Points lost']));
        body.explanation.measures.forEach(function (m) { t.appendChild(row([m.label, m.detail, m.window, m.score, m.weight, m.contribution, m.points_lost])); });
        panel.appendChild(t);
      }
      panel.appendChild(el('pre', JSON.stringify(body, null, 2)));
      d.appendChild(panel);
      d.scrollIntoView();
    }).catch(function (e) { d.textContent = e.message; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('#key').value = key;
    $('#key-form').addEventListener('submit', function (e) {
      e.preventDefault();
      key = $('#key').value.trim();
      sessionStorage.setItem('uptake:key', key);
      loadList();
    });
    if (key) loadList();
  });
})();

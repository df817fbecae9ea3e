// Ledgerly: a fake invoicing SaaS with client-side routing, used to show Uptake end to end.
// Feature use is reported three ways: explicit uptake.track calls, data-uptake-feature attributes,
// and click rules defined on the Uptake server (no code here at all).
(function () {
  var ACCOUNTS = {
    acme: { name: 'Acme Corp', plan: 'business', seats: 20, arr: 48000, employees: 250 },
    globex: { name: 'Globex', plan: 'team', seats: 8, arr: 9600, employees: 40 },
    initech: { name: 'Initech', plan: 'team', seats: 10, arr: 12000, employees: 60 },
    umbrella: { name: 'Umbrella Health', plan: 'enterprise', seats: 50, arr: 150000, employees: 2000 },
    hooli: { name: 'Hooli', plan: 'starter', seats: 3, arr: 1800, employees: 12 },
    newco: { name: 'Newco (trial)', plan: 'trial', seats: 5, arr: 0, employees: 8 }
  };
  var USERS = [
    { id: 'u_newbie', name: 'Nina Newcomer', email: 'nina@newco.test', role: 'admin', account: 'newco' },
    { id: 'u_alice', name: 'Alice Martin', email: 'alice@acme.test', role: 'admin', account: 'acme' },
    { id: 'u_bob', name: 'Bob Chen', email: 'bob@acme.test', role: 'member', account: 'acme' },
    { id: 'u_gina', name: 'Gina Ortiz', email: 'gina@globex.test', role: 'admin', account: 'globex' },
    { id: 'u_ivan', name: 'Ivan Petrov', email: 'ivan@initech.test', role: 'admin', account: 'initech' },
    { id: 'u_uma', name: 'Uma Shah', email: 'uma@umbrella.test', role: 'admin', account: 'umbrella' },
    { id: 'u_hank', name: 'Hank Lee', email: 'hank@hooli.test', role: 'admin', account: 'hooli' }
  ];
  // always look the API up on window: the snippet's stub is replaced when uptake.js loads
  var uptake = { identify: call('identify'), group: call('group'), track: call('track'), reset: call('reset'), consent: call('consent'), optOut: call('optOut') };
  function call(m) { return function () { return window.uptake[m].apply(window.uptake, arguments); }; }
  var $ = function (sel) { return document.querySelector(sel); };

  function currentUser() {
    var id = localStorage.getItem('ledgerly:user');
    return USERS.filter(function (u) { return u.id === id; })[0];
  }

  function toast(text) {
    var t = $('#toast');
    t.textContent = text;
    t.classList.add('show');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { t.classList.remove('show'); }, 1500);
  }

  var views = {
    dashboard: function () {
      return '<h1>Dashboard</h1><div class="kpis"><div class="kpi">Outstanding<b>$12,480</b></div>' +
        '<div class="kpi">Paid this month<b>$31,200</b></div><div class="kpi">Overdue<b>4</b></div></div>' +
        '<div class="toolbar"><button id="dash-reminders" data-action="reminder">Send payment reminders</button></div>';
    },
    invoices: function () {
      return '<h1>Invoices</h1><form class="inline" id="new-invoice"><input name="customer" placeholder="Customer" value="Wayne Enterprises">' +
        '<input name="amount" type="number" value="1200" aria-label="Amount"><button class="primary" id="create-invoice">Create invoice</button></form>' +
        '<div class="toolbar"><input id="invoice-filter" placeholder="Filter invoices"><button id="invoice-filter-apply">Filter</button>' +
        '<button class="make-recurring">Make recurring</button></div>' +
        '<table><tr><th>#</th><th>Customer</th><th>Amount</th><th></th></tr>' +
        '<tr><td>1042</td><td>Stark Industries</td><td>$4,200</td><td><button data-uptake-feature="invoice.send">Send</button></td></tr>' +
        '<tr><td>1041</td><td>Wonka Ltd</td><td>$880</td><td><button data-uptake-feature="invoice.send">Send</button></td></tr></table>';
    },
    customers: function () {
      return '<h1>Customers</h1><form class="inline" id="add-customer"><input name="name" placeholder="Name" value="Tyrell Corp">' +
        '<button class="primary" id="add-customer-submit">Add customer</button></form>' +
        '<div class="toolbar"><button data-uptake-feature="customer.import" id="import-customers">Import from CSV</button></div>';
    },
    reports: function () {
      return '<h1>Reports</h1><div class="toolbar"><button id="export-csv">Export CSV</button>' +
        '<button data-uptake-feature="report.schedule" id="schedule-report">Schedule weekly report</button></div>' +
        '<p>Revenue by month, ageing, and top customers.</p>';
    },
    settings: function () {
      return '<h1>Settings</h1><form class="inline" id="invite"><input name="email" placeholder="teammate@company.test" value="sam@newco.test">' +
        '<button id="invite-submit">Invite teammate</button></form>' +
        '<div class="toolbar"><button data-uptake-feature="settings.bank" id="connect-bank">Connect bank account</button></div>' +
        '<h2>Privacy</h2><div class="toolbar"><button id="analytics-optout">Stop sharing usage analytics</button></div>';
    }
  };

  function route() {
    var user = currentUser();
    $('#login').hidden = !!user;
    $('#app').hidden = !user;
    if (!user) return;
    var name = location.pathname.replace(/^\/demo\/?/, '').split('/')[0] || 'dashboard';
    if (!views[name]) name = 'dashboard';
    $('#view').innerHTML = views[name]();
    $('#who').textContent = user.name + ' · ' + ACCOUNTS[user.account].name;
    document.title = name[0].toUpperCase() + name.slice(1) + ' — Ledgerly';
    document.querySelectorAll('[data-nav]').forEach(function (a) {
      a.classList.toggle('active', a.getAttribute('href') === '/demo/' + name);
    });
  }

  function navigate(path) {
    history.pushState({}, '', path);
    route();
  }

  function signIn(user) {
    localStorage.setItem('ledgerly:user', user.id);
    uptake.identify(user.id, { name: user.name, email: user.email, role: user.role });
    uptake.group(user.account, ACCOUNTS[user.account]);
    uptake.track('Signed In');
    navigate('/demo/dashboard');
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('#login-user').innerHTML = USERS.map(function (u) {
      return '<option value="' + u.id + '">' + u.name + ' (' + ACCOUNTS[u.account].name + ')</option>';
    }).join('');
    $('#login-form').addEventListener('submit', function (e) {
      e.preventDefault();
      signIn(USERS.filter(function (u) { return u.id === $('#login-user').value; })[0]);
    });
    $('#logout').addEventListener('click', function () {
      localStorage.removeItem('ledgerly:user');
      uptake.reset();
      navigate('/demo');
    });
    // consent mode (see index.html): the banner asks once; the answer is the widget's to keep
    var banner = $('#consent-banner');
    banner.hidden = localStorage.getItem('ledgerly:consent-mode') !== 'required' || localStorage.getItem('ledgerly:consent-asked') === '1';
    function answer(granted) {
      uptake.consent(granted);
      localStorage.setItem('ledgerly:consent-asked', '1');
      banner.hidden = true;
    }
    $('#consent-accept').addEventListener('click', function () { answer(true); });
    $('#consent-decline').addEventListener('click', function () { answer(false); });
    document.addEventListener('click', function (e) {
      if (e.target.closest('#analytics-optout')) { uptake.optOut(); toast('Usage analytics turned off'); return; }
      var link = e.target.closest('a[data-nav]');
      if (link) { e.preventDefault(); navigate(link.getAttribute('href')); }
      var action = e.target.closest('[data-action="reminder"]');
      if (action) { uptake.track('Reminder Sent', { count: 4 }); toast('Reminders sent'); }
      if (e.target.closest('button') && !link && !action) toast(e.target.textContent + ' ✓');
    });
    document.addEventListener('submit', function (e) {
      e.preventDefault();
      var form = e.target;
      if (form.id === 'new-invoice') uptake.track('Invoice Created', { amount: Number(form.amount.value) });
      if (form.id === 'add-customer') uptake.track('Customer Added');
      if (form.id === 'invite') uptake.track('Teammate Invited');
    });
    addEventListener('popstate', route);
    route();
  });
})();

// The demo project's features and 90 days of believable history for Ledgerly, generated
// deterministically so `npm start` can re-run the seed without double counting (fixed messageIds).

export const DEMO_WRITE_KEY = 'wk_demo'
export const DEMO_ADMIN_KEY = 'sk_demo'
export const DEMO_READ_KEY = 'rk_demo'

export const DEMO_FEATURES = [
  { key: 'login', name: 'Sign in', kind: 'login', core: false, rules: [{ match: 'event', event: 'Signed In' }] },
  { key: 'invoice.create', name: 'Create invoice', kind: 'value', core: true, rules: [{ match: 'event', event: 'Invoice Created' }] },
  { key: 'invoice.send', name: 'Send invoice', kind: 'feature', core: true, rules: [{ match: 'attribute' }] },
  {
    key: 'invoice.filter',
    name: 'Filter invoices',
    kind: 'feature',
    core: false,
    rules: [{ match: 'click', selector: '#invoice-filter-apply', path: '/demo/invoices' }],
  },
  {
    key: 'invoice.recurring',
    name: 'Recurring invoices',
    kind: 'feature',
    core: true,
    rules: [{ match: 'click', selector: 'button.make-recurring' }],
  },
  { key: 'customer.add', name: 'Add customer', kind: 'feature', core: true, rules: [{ match: 'event', event: 'Customer Added' }] },
  { key: 'customer.import', name: 'Import customers', kind: 'feature', core: false, rules: [{ match: 'attribute' }] },
  {
    key: 'report.export',
    name: 'Export report',
    kind: 'feature',
    core: true,
    rules: [{ match: 'click', selector: '#export-csv', path: '/demo/reports' }],
  },
  { key: 'report.schedule', name: 'Schedule report', kind: 'feature', core: false, rules: [{ match: 'attribute' }] },
  { key: 'settings.invite', name: 'Invite teammate', kind: 'feature', core: true, rules: [{ match: 'event', event: 'Teammate Invited' }] },
  { key: 'settings.bank', name: 'Connect bank', kind: 'feature', core: true, rules: [{ match: 'attribute' }] },
  { key: 'payment.reminder', name: 'Payment reminders', kind: 'feature', core: false, rules: [{ match: 'event', event: 'Reminder Sent' }] },
]

// profile: how the account's usage behaves over the 90 days
const ACCOUNTS = [
  ['acme', 'Acme Corp', 'business', 20, 48000, 250, 'thriving', 12],
  ['globex', 'Globex', 'team', 8, 9600, 40, 'declining', 5],
  ['initech', 'Initech', 'team', 10, 12000, 60, 'steady', 6],
  ['umbrella', 'Umbrella Health', 'enterprise', 50, 150000, 2000, 'thriving', 18],
  ['hooli', 'Hooli', 'starter', 3, 1800, 12, 'dormant', 2],
  ['soylent', 'Soylent', 'team', 10, 11000, 80, 'declining', 6],
  ['wonka', 'Wonka Ltd', 'business', 25, 52000, 300, 'steady', 10],
  ['stark', 'Stark Industries', 'enterprise', 40, 120000, 5000, 'thriving', 15],
  ['tyrell', 'Tyrell Corp', 'business', 15, 30000, 150, 'dormant', 4],
  ['cyberdyne', 'Cyberdyne', 'team', 12, 14000, 90, 'steady', 7],
  ['oscorp', 'Oscorp', 'starter', 4, 2400, 10, 'declining', 3],
  ['wayne', 'Wayne Enterprises', 'enterprise', 60, 180000, 8000, 'steady', 16],
  ['pied-piper', 'Pied Piper', 'starter', 5, 3000, 9, 'thriving', 4],
  ['massive', 'Massive Dynamic', 'business', 20, 40000, 400, 'dormant', 5],
]

/**
 * The CS team's book (admin attributes): each live account's owner (Dana, Sam, or nobody yet), its renewal in so
 * many days from the day the seed runs (10–200: some within 30 days while not green, so Today and Renewals have
 * work) and its NPS where one was surveyed.
 */
const CS_BOOK = {
  acme: ['dana@ledgerly.test', 24, 50],
  globex: ['dana@ledgerly.test', 21, -10],
  initech: ['sam@ledgerly.test', 140],
  umbrella: ['sam@ledgerly.test', 190, 60],
  hooli: [null, 28],
  soylent: ['dana@ledgerly.test', 45, 0],
  wonka: ['sam@ledgerly.test', 110, 20],
  stark: ['dana@ledgerly.test', 160, 40],
  tyrell: ['sam@ledgerly.test', 14],
  cyberdyne: ['dana@ledgerly.test', 95],
  oscorp: [null, 60],
  wayne: ['sam@ledgerly.test', 35, 30],
  'pied-piper': ['dana@ledgerly.test', 180],
  massive: ['sam@ledgerly.test', 10, -30],
}

/** PATCH bodies of the live accounts' admin attributes as of `now`: [account id, attributes]. */
export function demoAccountAttributes(now = Date.now()) {
  const day0 = Math.floor(now / 86_400_000) * 86_400_000
  return ACCOUNTS.map(([id, , plan, seats, arr]) => {
    const [owner, renewsIn, nps] = CS_BOOK[id]
    const renewal_date = new Date(day0 + renewsIn * 86_400_000).toISOString().slice(0, 10)
    return [id, { owner, arr, seats, plan, renewal_date, ...(nps === undefined ? {} : { nps }) }]
  })
}

const FEATURE_EVENTS = {
  'invoice.create': (r) => ({ event: 'Invoice Created', properties: { amount: Math.round(200 + r() * 4000) } }),
  'invoice.send': () => ({ event: 'Send invoice', properties: { feature: 'invoice.send' } }),
  'invoice.filter': () => ({
    event: '$click',
    properties: { selector: 'main > div.toolbar > button#invoice-filter-apply', path: '/demo/invoices', text: 'Filter' },
  }),
  'invoice.recurring': () => ({
    event: '$click',
    properties: { selector: 'main > div.toolbar > button.make-recurring', path: '/demo/invoices', text: 'Make recurring' },
  }),
  'customer.add': () => ({ event: 'Customer Added' }),
  'customer.import': () => ({ event: 'Import customers', properties: { feature: 'customer.import' } }),
  'report.export': () => ({
    event: '$click',
    properties: { selector: 'main > div.toolbar > button#export-csv', path: '/demo/reports', text: 'Export CSV' },
  }),
  'report.schedule': () => ({ event: 'Schedule report', properties: { feature: 'report.schedule' } }),
  'settings.invite': () => ({ event: 'Teammate Invited' }),
  'settings.bank': () => ({ event: 'Connect bank', properties: { feature: 'settings.bank' } }),
  'payment.reminder': () => ({ event: 'Reminder Sent' }),
}

function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function activity(profile, daysAgo) {
  const recent = daysAgo < 30
  return { thriving: 0.75, steady: 0.5, declining: recent ? 0.15 : 0.6, dormant: recent ? 0.03 : 0.2 }[profile]
}

/** Every event of the demo history, oldest first, ending yesterday. */
export function demoHistory(now = Date.now()) {
  const r = prng(42)
  const day0 = Math.floor(now / 86_400_000) * 86_400_000
  const events = []
  for (const [id, name, plan, seats, arr, employees, profile, userCount] of ACCOUNTS) {
    const features = Object.keys(FEATURE_EVENTS).filter(() => r() < (profile === 'thriving' ? 0.9 : 0.5))
    for (let u = 0; u < userCount; u++) {
      const userId = `${id}-user-${u + 1}`
      const start = 89 - Math.floor(r() * 10)
      const at = (daysAgo, minute) => new Date(day0 - daysAgo * 86_400_000 + (9 * 60 + minute) * 60_000).toISOString()
      events.push({
        type: 'identify',
        messageId: `seed-${userId}-id`,
        userId,
        timestamp: at(start, 0),
        traits: { name: `User ${u + 1} of ${name}`, email: `${userId}@${id}.test`, role: u === 0 ? 'admin' : 'member' },
      })
      events.push({
        type: 'group',
        messageId: `seed-${userId}-grp`,
        userId,
        groupId: id,
        timestamp: at(start, 0),
        traits: { name, plan, seats, arr, employees },
      })
      const keen = 0.5 + r()
      for (let d = start; d >= 1; d--) {
        const weekday = new Date(day0 - d * 86_400_000).getUTCDay()
        if (weekday === 0 || weekday === 6 || r() > activity(profile, d) * keen) continue
        const version = d > 45 ? '3.0.0' : d > 20 ? '3.1.0' : '3.2.0'
        const context = { groupId: id, app: { version: profile === 'dormant' ? '3.0.0' : version } }
        let minute = Math.floor(r() * 400)
        const base = `seed-${userId}-${d}`
        events.push({ type: 'track', messageId: `${base}-login`, userId, event: 'Signed In', timestamp: at(d, minute), context })
        const uses = 1 + Math.floor(r() * 5)
        for (let i = 0; i < uses && features.length; i++) {
          const key = features[Math.floor(r() * features.length)]
          minute += 1 + Math.floor(r() * 8)
          events.push({ type: 'track', messageId: `${base}-${i}`, userId, timestamp: at(d, minute), context, ...FEATURE_EVENTS[key](r) })
        }
        events.push({
          type: 'track',
          messageId: `${base}-engaged`,
          userId,
          event: '$engaged',
          properties: { seconds: 60 * (5 + Math.floor(r() * 40)) },
          timestamp: at(d, minute + 1),
          context,
        })
      }
    }
  }
  return events.sort((a, b) => a.timestamp.localeCompare(b.timestamp))
}

/**
 * A past cohort of 100 accounts on a 12-week first term, with the outcome, so the retained-vs-churned table,
 * the backtest and calibration have something to say (calibration needs 30 churned and 30 renewed). They started
 * 85–89 days ago and renewed or churned 1–5 days ago: the whole story fits the 90-day import window, so scoring
 * as of 30 days before each outcome sees 54 days of history (as of 60 days before, 24: young accounts, scored on
 * the onboarding profile). Renewers more often set up recurring invoices and exports in their first month; most
 * churned accounts (75%) thin out from their second month and have gone quiet by their third, as do some renewers
 * (15%, a slow quarter), while the other churners keep their rhythm to the end (a budget cut nobody saw coming).
 */
export const PAST_COHORT = { accounts: 100, termDays: 84 }

export function demoPastAccounts(now = Date.now()) {
  const r = prng(7)
  const day0 = Math.floor(now / 86_400_000) * 86_400_000
  const events = []
  const outcomes = []
  for (let a = 0; a < PAST_COHORT.accounts; a++) {
    const id = `cohort-${String(a + 1).padStart(3, '0')}`
    const renewed = r() < 0.55
    const p = (renewer, churner) => r() < (renewed ? renewer : churner)
    const features = [
      'invoice.create',
      ...(p(0.8, 0.3) ? ['invoice.recurring'] : []),
      ...(p(0.75, 0.25) ? ['report.export'] : []),
      ...(p(0.5, 0.4) ? ['customer.add'] : []),
      ...(p(0.4, 0.35) ? ['settings.invite'] : []),
    ]
    const thins = r() < (renewed ? 0.15 : 0.75)
    const startAgo = 89 - (a % 5)
    const outcomeAgo = startAgo - PAST_COHORT.termDays
    for (let u = 0; u < 2; u++) {
      const userId = `${id}-user-${u + 1}`
      const at = (d, m) => new Date(day0 - d * 86_400_000 + (10 * 60 + m) * 60_000).toISOString()
      events.push({
        type: 'group',
        messageId: `seed-${userId}-grp`,
        userId,
        groupId: id,
        timestamp: at(startAgo, 0),
        traits: { name: `Cohort customer ${a + 1}`, plan: 'team', seats: 3, arr: 4800 },
      })
      // a thinning account's gaps between active days widen month by month; the others keep a steady rhythm
      const gap = (life) => (!thins || life < 30 ? 1 + Math.floor(r() * 3) : life < 56 ? 2 + Math.floor(r() * 6) : 6 + Math.floor(r() * 14))
      for (let d = startAgo; d > outcomeAgo; d -= gap(startAgo - d)) {
        // early on they explore; later they stick to what they adopted
        const today = startAgo - d < 30 ? features : features.slice(0, 2)
        today.forEach((key, i) =>
          events.push({
            type: 'track',
            messageId: `seed-${userId}-${d}-${i}`,
            userId,
            timestamp: at(d, i + 1),
            context: { groupId: id },
            ...FEATURE_EVENTS[key](r),
          }),
        )
      }
    }
    outcomes.push({
      account: id,
      kind: renewed ? 'renewed' : 'churned',
      date: new Date(day0 - outcomeAgo * 86_400_000).toISOString().slice(0, 10),
      amount: 4800,
    })
  }
  return { events, outcomes }
}

/** The live accounts' users, as the demo history identifies them. */
export function demoLiveUsers() {
  return ACCOUNTS.flatMap(([id, , , , , , , userCount]) => Array.from({ length: userCount }, (_, u) => `${id}-user-${u + 1}`))
}

/** How the demo's users answer the export tooltip: shown users export more often than held-out ones (the demo's lift). */
const EXPORT_TIP_ANSWERS = { clicked: 0.35, exportedWhenShown: 0.45, exportedWhenHeldOut: 0.2 }

/**
 * Today's answers of one user to the export tooltip as the widget would send them, after GET /v1/nudges decided
 * whether the tooltip was shown or held out: the seed only simulates people, the server computes funnel and lift.
 */
export function demoExportTipAnswer(userId, shown, now = Date.now()) {
  const groupId = userId.slice(0, userId.lastIndexOf('-user-'))
  const r = prng([...userId].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261))
  const page = { path: '/demo/reports' }
  const track = (n, event, properties) => ({
    type: 'track',
    messageId: `seed-export-tip-${userId}-${n}`,
    userId,
    event,
    properties,
    context: { page, groupId },
    timestamp: new Date(now + n * 1000).toISOString(),
  })
  const events = []
  if (shown) events.push(track(0, '$nudge_shown', { nudge: 'export-tip' }))
  if (shown && r() < EXPORT_TIP_ANSWERS.clicked) events.push(track(1, '$nudge_clicked', { nudge: 'export-tip' }))
  if (r() < (shown ? EXPORT_TIP_ANSWERS.exportedWhenShown : EXPORT_TIP_ANSWERS.exportedWhenHeldOut)) {
    const { event, properties } = FEATURE_EVENTS['report.export']()
    events.push(track(2, event, properties))
  }
  return events
}

/** The help launcher of the demo project (bottom-right, above the checklist; bottom-left would cover the sidebar's sign-out). */
export const DEMO_LAUNCHER = { enabled: true, position: 'bottom-right', label: 'Guides' }

/** One nudge of each kind, aimed at the trial account's users (sign in as Nina Newcomer to see them). */
const trial = [{ attribute: 'plan', op: '==', value: 'trial' }]
const t = (text) => ({ default: text })
export const DEMO_NUDGES = {
  welcome: {
    kind: 'modal',
    priority: 900,
    title: t('Welcome to Ledgerly!'),
    body: t("Let's get you paid faster. **Three steps** and you are set up."),
    targeting: { path: '/demo/dashboard', account_attributes: trial },
    caps: { max_shows: 1, min_days_between: 0 },
    buttons: [{ label: t('Show me around'), action: { type: 'go', path: '/demo/invoices' } }],
    holdout: { share: 0 },
  },
  'getting-started': {
    kind: 'checklist',
    priority: 100,
    title: t('Getting started'),
    body: t('Tick these off to finish setup.'),
    targeting: { account_attributes: trial },
    steps: [
      { feature: 'invoice.create', label: t('Create your first invoice') },
      { feature: 'invoice.send', label: t('Send an invoice') },
      { feature: 'customer.add', label: t('Add a customer') },
      { feature: 'settings.invite', label: t('Invite a teammate') },
    ],
    holdout: { share: 0 },
  },
  'recurring-banner': {
    kind: 'banner',
    priority: 300,
    target_feature: 'invoice.recurring',
    title: t('Bill monthly clients automatically'),
    body: t('Turn any invoice into a recurring one.'),
    targeting: { path: '/demo/invoices', account_attributes: trial },
    buttons: [{ label: t('Remind me in 3 days'), action: { type: 'snooze', days: 3 } }],
    holdout: { share: 0.1 },
  },
  'export-tip': {
    kind: 'tooltip',
    priority: 500,
    anchor: '#export-csv',
    target_feature: 'report.export',
    title: t('Export to your accountant'),
    body: t('One click gives a CSV of every invoice.'),
    targeting: { path: '/demo/reports' },
    // held out per user: the demo's 14 accounts are too few for an account-level holdout to say anything
    holdout: { share: 0.2, unit: 'user' },
  },
  'bank-hotspot': {
    kind: 'hotspot',
    priority: 200,
    anchor: '#connect-bank',
    target_feature: 'settings.bank',
    title: t('Get paid 2 days sooner'),
    body: t('Connect your bank to reconcile payments automatically.'),
    targeting: { path: '/demo/settings' },
    holdout: { share: 0.1 },
  },
  // a three-step tour across two pages: it resumes where Nina left it, after a reload and on another device
  'ledgerly-tour': {
    kind: 'tour',
    priority: 400,
    title: t('Your first invoice, start to finish'),
    body: t('Three steps across Invoices and Reports.'),
    target_feature: 'report.export',
    targeting: { path: '/demo/invoices', account_attributes: trial },
    steps: [
      {
        anchor: '#create-invoice',
        path: '/demo/invoices',
        title: t('Create an invoice'),
        body: t('Fill in a customer and an amount, then **Create invoice**.'),
      },
      {
        anchor: '#invoice-filter',
        path: '/demo/invoices',
        title: t('Find any invoice'),
        body: t('Type a customer or a number to filter the list.'),
      },
      {
        anchor: '#export-csv',
        path: '/demo/reports',
        title: t('Export for your accountant'),
        body: t('One click gives a CSV of every invoice.'),
      },
    ],
    holdout: { share: 0 },
  },
  'nps-q4': {
    kind: 'nps',
    priority: 150,
    title: t('How likely are you to recommend Ledgerly to a colleague?'),
    body: t('0 = not at all, 10 = extremely likely'),
    targeting: { path: '/demo/customers', min_days_since_signup: 0 },
    holdout: { share: 0 },
  },
}

const TICK_MS = 5000
/** Input older than this no longer counts as someone using the product. */
const IDLE_MS = 60_000
const REPORT_AFTER_S = 60

/**
 * Time in product, measured from activity: a 5-second tick counts only while the tab is visible and
 * the user has given input in the last minute. Reported as `$engaged` every minute and on hide.
 */
export class Engagement {
  #lastInput = 0
  #seconds = 0
  readonly #report: (seconds: number) => void
  readonly #now: () => number

  constructor(report: (seconds: number) => void, now = () => Date.now()) {
    this.#report = report
    this.#now = now
  }

  start(): void {
    setInterval(() => this.tick(), TICK_MS)
  }

  input(): void {
    this.#lastInput = this.#now()
  }

  tick(): void {
    if (document.visibilityState !== 'visible' || this.#now() - this.#lastInput > IDLE_MS) return
    this.#seconds += TICK_MS / 1000
    if (this.#seconds >= REPORT_AFTER_S) this.flush()
  }

  flush(): void {
    const s = this.#seconds
    this.#seconds = 0
    if (s > 0) this.#report(s)
  }
}

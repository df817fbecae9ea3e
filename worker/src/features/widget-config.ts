import type { CaptureSettings, ConfigFeature, WidgetConfig } from '../../../shared/config'
import type { Feature } from '../../../shared/features'

/** The widget's config: client-side rules only, so event-name rules and server details stay off the wire. */
export function widgetConfig(features: Feature[], settings: { capture: CaptureSettings }, hasNudges: boolean): WidgetConfig {
  const clientFeatures: ConfigFeature[] = features.flatMap((f) => {
    const rules = f.rules.filter((r): r is ConfigFeature['rules'][number] => r.match === 'click' || r.match === 'attribute')
    return rules.length ? [{ key: f.key, name: f.name, rules }] : []
  })
  // field by field: the widget's camelCase wire carries these five and nothing else the settings may gain
  const { sessionTimeoutMinutes, stripQueryParams, respectDoNotTrack, requireConsent, captureClicks } = settings.capture
  return {
    features: clientFeatures,
    capture: { sessionTimeoutMinutes, stripQueryParams, respectDoNotTrack, requireConsent, captureClicks },
    nudges: hasNudges,
  }
}

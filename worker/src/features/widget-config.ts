import type { ConfigFeature, ProjectSettings, WidgetConfig } from '../../../shared/config'
import type { Feature } from '../../../shared/features'

/** The widget's config: client-side rules only, so event-name rules and server details stay off the wire. */
export function widgetConfig(features: Feature[], settings: ProjectSettings, hasNudges: boolean): WidgetConfig {
  const clientFeatures: ConfigFeature[] = features.flatMap((f) => {
    const rules = f.rules.filter((r): r is ConfigFeature['rules'][number] => r.match === 'click' || r.match === 'attribute')
    return rules.length ? [{ key: f.key, name: f.name, rules }] : []
  })
  return { features: clientFeatures, capture: settings.capture, nudges: hasNudges }
}

/** Event names Uptake itself gives meaning to. Plain constants (no zod) so the widget can import them. */
export const SIGNED_IN_EVENT = 'Signed In'
export const CLICK_EVENT = '$click'
export const ENGAGED_EVENT = '$engaged'
export const WIDGET_ERROR_EVENT = '$widget_error'

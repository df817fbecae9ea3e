import { BUILDER_GLOBAL, type BuilderEntry } from './host'

const open: BuilderEntry = () => {}
;(window as unknown as Record<string, BuilderEntry>)[BUILDER_GLOBAL] = open

// Copies Swagger UI (devDependency swagger-ui-dist) into public/api/docs/, so /api/docs is served from the
// worker's own assets, never a CDN. The copies are gitignored; index.html and docs.js are committed.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const out = new URL('../public/api/docs/', import.meta.url).pathname
mkdirSync(out, { recursive: true })

// without source-map comments: the maps (5 MB) are not shipped, so browsers must not ask for them
const noMap = (text) => text.replace(/\n?(\/\/# sourceMappingURL=\S+|\/\*# sourceMappingURL=\S+ ?\*\/)\s*$/, '\n')
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) writeFileSync(join(out, file), noMap(readFileSync(join(dist, file), 'utf8')))
// Apache-2.0: the licence and notice travel with the copy
copyFileSync(join(dist, 'LICENSE'), join(out, 'swagger-ui-LICENSE.txt'))
copyFileSync(join(dist, 'NOTICE'), join(out, 'swagger-ui-NOTICE.txt'))
copyFileSync(join(dist, 'swagger-ui-bundle.js.LICENSE.txt'), join(out, 'swagger-ui-bundle.js.LICENSE.txt'))

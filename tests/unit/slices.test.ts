import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The worker's layout rules (ARCHITECTURE.md): a slice is a top-level folder of worker/src other than lib/ and
 * http/; another folder reaches it only through its index.ts. A pure file (in a slice, touching neither D1 nor Hono)
 * imports only shared/, lib/ and pure files of its own slice.
 */

/** Folders every file may import directly: shared helpers and the HTTP edge. */
const OPEN_FOLDERS = new Set(['lib', 'http'])
/** Pure files every file may import directly, like lib/: the shard key, shared by every slice's pure code (issue 13). */
const OPEN_FILES = new Set(['shards/shard-of.ts'])
/**
 * Files only the worker's entry (`index.ts`) imports directly: Durable Object classes wrangler binds. They load
 * `cloudflare:workers`, so they stay out of the slices' indexes, which node loads in the unit tests.
 */
const ENTRY_FILES = new Set(['shards/account-shard.ts'])

type Tree = Record<string, string> // path relative to worker/src → source

const IMPORT = /(?:^|[;\n}])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/** Every module a file imports or re-exports (type-only imports count: they couple the layout the same). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  return [...code.matchAll(IMPORT)].map((m) => m[1] ?? m[2])
}

/** `../projects` from `nudges/routes.ts` → `projects/index.ts`; outside worker/src → `../../shared/…` as is. */
function resolve(tree: Tree, from: string, spec: string): string {
  const base = normalize(join(dirname(from), spec))
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (candidate in tree) return candidate
  return base
}

const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0] : null)
const isSlice = (folder: string | null): folder is string => folder !== null && !OPEN_FOLDERS.has(folder)

/** D1 (types or `.prepare(`), an R2 bucket, Hono (hono, @hono/…) or the HTTP edge (http/, built on Hono). */
function touchesIo(tree: Tree, path: string): boolean {
  const source = tree[path]
  if (/\bD1(Database|PreparedStatement|Result)\b|\bR2Bucket\b|\.prepare\(/.test(source)) return true
  return importsOf(source).some(
    (spec) =>
      /^(hono|@hono\/)/.test(spec) ||
      spec.startsWith('cloudflare:') ||
      (spec.startsWith('.') && folderOf(resolve(tree, path, spec)) === 'http'),
  )
}

/** Imports that cross into another slice anywhere but its index.ts. */
export function crossSliceViolations(tree: Tree): string[] {
  const out: string[] = []
  for (const [path, source] of Object.entries(tree)) {
    for (const spec of importsOf(source).filter((s) => s.startsWith('.'))) {
      const target = resolve(tree, path, spec)
      const folder = folderOf(target)
      if (target.startsWith('..') || !isSlice(folder) || folder === folderOf(path) || OPEN_FILES.has(target)) continue
      if (path === 'index.ts' && ENTRY_FILES.has(target)) continue
      if (target !== `${folder}/index.ts`) out.push(`${path} → ${target}`)
    }
  }
  return out.sort()
}

/** Pure files importing anything but shared/, lib/, packages other than Hono, and pure files of their own slice. */
export function pureFileViolations(tree: Tree): string[] {
  const out: string[] = []
  for (const path of Object.keys(tree)) {
    const folder = folderOf(path)
    if (!isSlice(folder) || path === `${folder}/index.ts` || touchesIo(tree, path)) continue
    for (const spec of importsOf(tree[path])) {
      if (!spec.startsWith('.')) continue // packages: Hono ones already made the file impure
      const target = resolve(tree, path, spec)
      if (target.startsWith('..')) {
        if (!/^(\.\.\/)+shared\//.test(target)) out.push(`${path} → ${target}`)
        continue
      }
      const into = folderOf(target)
      if (into === 'lib' || OPEN_FILES.has(target)) continue
      if (into === folder && target in tree && !touchesIo(tree, target)) continue
      out.push(`${path} → ${target}${into === folder ? ' (D1 or Hono)' : ''}`)
    }
  }
  return out.sort()
}

function readTree(root: string): Tree {
  const tree: Tree = {}
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) tree[relative(root, full)] = readFileSync(full, 'utf8')
    }
  }
  walk(root)
  return tree
}

describe('the rules themselves', () => {
  const tree: Tree = {
    'app.ts': "import { a } from './alerts'\nimport { b } from './nudges/store'\nimport { AccountShard } from './shards/account-shard'",
    'index.ts': "export { AccountShard } from './shards/account-shard'\nimport { s } from './nudges/store'",
    'alerts/index.ts': "export { raise } from './raise'",
    'alerts/raise.ts':
      "import type { Row } from '../nudges/store'\nimport { x } from '../nudges'\nexport const raise = (db: D1Database) => db",
    'alerts/triggers.ts':
      "import { BANDS } from '../../../shared/constants'\nimport { roundTo } from '../lib/round'\nimport { raise } from './raise'\nimport { y } from '../nudges'",
    'alerts/pure.ts': "import {\n  z,\n} from 'zod'\nimport { t } from './triggers'",
    'nudges/index.ts': "export * from './store'",
    'nudges/store.ts': "import type { Context } from 'hono'\nexport const b = 1",
    'nudges/split.ts': "import { shardOf } from '../shards/shard-of'\nimport { AccountShard } from '../shards/account-shard'",
    'shards/index.ts': "export * from './shard-of'\nexport * from './account-shard'",
    'shards/shard-of.ts': 'export const shardOf = 1',
    'shards/account-shard.ts': "import { DurableObject } from 'cloudflare:workers'\nexport class AccountShard extends DurableObject {}",
    'lib/round.ts': 'export const roundTo = 1',
  }

  it('finds imports across slices that skip the index, type-only ones included', () => {
    expect(crossSliceViolations(tree)).toEqual([
      'alerts/raise.ts → nudges/store.ts',
      'app.ts → nudges/store.ts',
      // only the worker's entry exports the Durable Object class past the shards index
      'app.ts → shards/account-shard.ts',
      'index.ts → nudges/store.ts',
      'nudges/split.ts → shards/account-shard.ts',
    ])
  })

  it('finds pure files that import I/O siblings or other slices, and lets shared/, lib/ and pure siblings through', () => {
    // the shard key is open to every file; the rest of shards/ is not
    expect(pureFileViolations(tree)).toEqual([
      'alerts/triggers.ts → alerts/raise.ts (D1 or Hono)',
      'alerts/triggers.ts → nudges/index.ts',
      'nudges/split.ts → shards/account-shard.ts',
    ])
  })

  it('reads multi-line, re-export, side-effect and dynamic imports, not commented ones', () => {
    const source =
      "import {\n  a,\n  b,\n} from './x'\nexport * from './y'\nimport './z'\nconst m = await import('./w')\n// import { q } from './q'\n/* import { r } from './r' */"
    expect(importsOf(source)).toEqual(['./x', './y', './z', './w'])
  })
})

describe('worker/src', () => {
  const tree = readTree(new URL('../../worker/src/', import.meta.url).pathname)

  it('reaches another slice only through its index.ts', () => {
    expect(Object.keys(tree).length).toBeGreaterThan(50)
    expect(crossSliceViolations(tree)).toEqual([])
  })

  it('has pure files that import only shared/, lib/ and pure files of their own slice', () => {
    expect(pureFileViolations(tree)).toEqual([])
  })
})

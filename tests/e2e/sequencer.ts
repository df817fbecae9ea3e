import { BaseSequencer, type TestSpecification } from 'vitest/node'

/** Console files last: the history server they need is seeded in the background while the other e2e files run. */
export default class ConsoleLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const isConsole = (f: TestSpecification) => /[/\\]console-[^/\\]*\.test\.ts$/.test(f.moduleId)
    return [...sorted.filter((f) => !isConsole(f)), ...sorted.filter(isConsole)]
  }
}

/** Whether this vitest run includes console files: a run given file filters that name none needs no history server. */
export function runIncludesConsole(argv = process.argv.slice(2)): boolean {
  const filters: string[] = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--project' || argv[i] === '-t' || argv[i] === '--testNamePattern') i++
    else if (!argv[i].startsWith('-') && argv[i] !== 'run') filters.push(argv[i])
  }
  return filters.length === 0 || filters.some((f) => f.includes('console') || 'tests/e2e/'.startsWith(f) || f.endsWith('e2e'))
}

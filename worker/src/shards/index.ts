// The shards slice as the rest of the worker sees it: other slices import only from here. The Durable Object class
// itself (account-shard.ts, `cloudflare:workers`) is exported by the worker's entry only, so node can load the slices.
export type { AccountShard, ShardStatement, ShardStatementResult } from './account-shard'
export { SHARD_MIGRATIONS, SHARD_TABLES } from './schema'
export { accountShardStub, ShardDatabase, shardDatabase, type ShardExecutor } from './shard-database'
export { fnv1a32, shardKeyOf, shardOf } from './shard-of'
export {
  directoryAccounts,
  eventRoute,
  forgetStateShards,
  lineShard,
  projectState,
  recordDirectory,
  stateLayout,
  type ProjectState,
  type StateEnv,
} from './state'

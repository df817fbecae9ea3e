// The shards slice as the rest of the worker sees it: other slices import only from here.
export { AccountShard, type ShardStatement, type ShardStatementResult } from './account-shard'
export { SHARD_MIGRATIONS, SHARD_TABLES } from './schema'
export { accountShardStub, ShardDatabase, shardDatabase, type ShardExecutor } from './shard-database'
export { fnv1a32, shardKeyOf, shardOf } from './shard-of'
export {
  directoryAccounts,
  forgetStateShards,
  projectState,
  recordDirectory,
  STATE_SHARD_COUNTS,
  stateLayout,
  type ProjectState,
  type StateEnv,
} from './state'

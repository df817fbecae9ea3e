// The shards slice as the rest of the worker sees it. The router (`state.ts`: projectState, the directory) and the
// shard key (`shard-of.ts`) are imported directly: this index also exports the Durable Object class, which only workerd loads.
export { AccountShard, type ShardStatement, type ShardStatementResult } from './account-shard'
export { SHARD_MIGRATIONS, SHARD_TABLES } from './schema'
export { accountShardStub, ShardDatabase, shardDatabase, type ShardExecutor } from './shard-database'
export { fnv1a32, shardKeyOf, shardOf } from './shard-of'
export { directoryAccounts, forgetStateShards, projectState, recordDirectory, stateLayout, type ProjectState, type StateEnv } from './state'

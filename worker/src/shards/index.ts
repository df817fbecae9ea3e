export { fnv1a32, shardKeyOf, shardOf } from './shard-of'

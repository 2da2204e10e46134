// The peer of bench/dynamodb_bench.cpp: the same bulk insert and point gets with the AWS
// SDK for JavaScript v3 (@aws-sdk/client-dynamodb, pinned in bench/node/package.json),
// against the same dynalite, measuring this process's CPU time (user + system) per item.
// Usage: node bench/node/dynamodb_sdk.mjs ENDPOINT ITEMS GETS ROUNDS
import {
  BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DynamoDBClient, GetItemCommand,
} from '@aws-sdk/client-dynamodb';

const [endpoint, items = '2000', gets = '2000', rounds = '5'] = process.argv.slice(2);
const n = Number(items), m = Number(gets), r = Number(rounds);
const client = new DynamoDBClient({
  region: 'us-east-1', endpoint, credentials: { accessKeyId: 'tether-test-key', secretAccessKey: 'tether-test-secret' },
});
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };  // microseconds

async function round(table) {
  await client.send(new CreateTableCommand({
    TableName: table, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  }));
  let start = cpu();
  for (let first = 1; first <= n; first += 25) {
    const puts = [];
    for (let id = first; id < first + 25 && id <= n; ++id)
      puts.push({ PutRequest: { Item: { id: { N: String(id) }, name: { S: `name ${id}` }, n: { N: String(id % 97) } } } });
    let pending = { [table]: puts };
    while (pending && Object.keys(pending).length) {
      const got = await client.send(new BatchWriteItemCommand({ RequestItems: pending }));
      pending = got.UnprocessedItems;
    }
  }
  const insert = (cpu() - start) / n;
  start = cpu();
  for (let i = 0; i < m; ++i) {
    const got = await client.send(new GetItemCommand({
      TableName: table, Key: { id: { N: String(1 + ((i * 7919) % n)) } }, ConsistentRead: true,
    }));
    if (!got.Item) throw new Error(`item ${1 + ((i * 7919) % n)} is missing`);
  }
  const get = (cpu() - start) / m;
  await client.send(new DeleteTableCommand({ TableName: table }));
  return { insert, get };
}

const results = [];
for (let i = 0; i < r; ++i) results.push(await round(`bench_sdk_${process.pid}_${i}`));
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(JSON.stringify({
  client: '@aws-sdk/client-dynamodb 3.859.0', items: n, gets: m, rounds: r,
  insert_cpu_us_per_item: median(results.map((x) => x.insert)), get_cpu_us_per_item: median(results.map((x) => x.get)),
}));

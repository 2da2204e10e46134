// Runs CongoDB, the in-memory MongoDB wire-protocol server inside @push.rocks/smartmongo
// 2.2.0 (MIT, unpacked by scripts/node-tools), on the host and port given, until it is
// sent SIGTERM; prints "ready" once it listens. Started by scripts/mongodb-test-server.
//   node congodb-server.mjs HOST PORT
import { CongoServer } from './node_modules/@push.rocks/smartmongo/dist_ts/congodb/index.js';

const [host = '127.0.0.1', port = '27117'] = process.argv.slice(2);
const server = new CongoServer({ host, port: Number(port), storage: 'memory' });
await server.start();
console.log('ready');
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

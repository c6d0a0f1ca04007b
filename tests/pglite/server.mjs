// PostgreSQL 18 with the real pgvector extension (PGlite, compiled to WebAssembly) behind the Postgres wire
// protocol on 127.0.0.1, for the Postgres backend tests. Usage: node server.mjs [PORT] [DATA_DIR]
// Prints "ready postgres://postgres@127.0.0.1:PORT/postgres" once it accepts connections; stops on SIGTERM/SIGINT.
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const port = Number(process.argv[2] ?? 54329);
const dataDir = process.argv[3]; // undefined = in memory
const db = await PGlite.create({ dataDir, extensions: { vector } });
await db.exec('CREATE EXTENSION IF NOT EXISTS vector;');
// All connections share one backend, so allow as many as the Npgsql pools of the tests may open.
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 64 });
await server.start();
console.log(`ready postgres://postgres@127.0.0.1:${port}/postgres`);

const stop = async () => {
  await server.stop();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

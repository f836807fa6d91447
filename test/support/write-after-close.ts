/**
 * Run as a process of its own by test/postgres-driver.test.ts, so that a crash is an exit code and
 * not an error inside the test runner: a query on a reserved connection whose backend Postgres has
 * terminated. postgres.js 3.4.9 buffers the query's bytes behind setImmediate and then writes them
 * to a socket it has already dropped, a TypeError no caller can catch (porsager/postgres#1208);
 * patches/postgres+3.4.9.patch makes the query fail with CONNECTION_CLOSED instead. Prints one JSON
 * line: how the query ended, and whether the pool answers afterwards.
 */
import postgres from 'postgres';

const url = process.argv[2];
if (!url) throw new Error('usage: write-after-close.ts <postgres url>');

const sql = postgres(url, { max: 2, onnotice: () => {} });
const reserved = await sql.reserve();
const [backend] = await reserved<Array<{ pid: number }>>`select pg_backend_pid() as pid`;
await sql`select pg_terminate_backend(${backend!.pid})`;
// The terminated backend's close reaches the client a moment later.
await new Promise((resolve) => setTimeout(resolve, 300));

let query: string;
try {
  await reserved`select 1`;
  query = 'answered';
} catch (error) {
  query = (error as { code?: string }).code ?? String(error);
}
reserved.release();
const [after] = await sql<Array<{ one: number }>>`select 1 as one`;
await sql.end({ timeout: 1 });
process.stdout.write(`${JSON.stringify({ query, poolAnswers: after?.one === 1 })}\n`);

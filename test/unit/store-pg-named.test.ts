// The Postgres store names its parameterized statements (src/stores/accounts/index.ts,
// withNamedStatements): each is parsed once per connection, and a statement whose cached plan the
// server rejects after a schema change is sent unnamed from then on. On a real Postgres, in a
// schema of its own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { withNamedStatements } from '../../src/stores/accounts/index.js';
import { POSTGRES_URL } from '../support/store-engines.js';

describe('Postgres store: named statements', () => {
  const schema = `named_${randomBytes(5).toString('hex')}`;
  let admin: pg.Pool;
  let pool: pg.Pool;
  before(async () => {
    admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    await admin.query(`create schema ${schema}`);
    await admin.query(`create table ${schema}.t (id int primary key, v text)`);
    await admin.query(`insert into ${schema}.t values (1, 'one'), (2, 'two')`);
    // One connection, so every query below runs in the session whose prepared statements are read.
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, options: `-c search_path=${schema}` });
  });
  after(async () => {
    await pool?.end();
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  });

  const prepared = async (client: { query: pg.PoolClient['query'] }) =>
    (await client.query('select name, statement from pg_prepared_statements order by name')).rows as Array<{
      name: string;
      statement: string;
    }>;

  it('prepares a parameterized query once per connection and reuses it; unparameterized and DDL stay unnamed', async () => {
    const wrapped = withNamedStatements(pool);
    const client = await wrapped.connect();
    try {
      for (const id of [1, 2, 1]) {
        const { rows } = await client.query('select v from t where id = $1', [id]);
        assert.equal(rows[0].v, id === 1 ? 'one' : 'two');
      }
      await client.query('select count(*) from t', []);
      await client.query('create index if not exists t_v on t (v)');
      const once = await prepared(client);
      assert.equal(once.length, 1, JSON.stringify(once));
      assert.match(once[0]!.name, /^ads_oauth_[0-9a-f]{24}$/);
      assert.equal(once[0]!.statement, 'select v from t where id = $1');
      await client.query('insert into t (id, v) values ($1, $2)', [3, 'three']);
      assert.equal((await prepared(client)).length, 2);
    } finally {
      client.release();
    }
  });

  it('a statement whose cached plan a schema change broke is answered unnamed, then and from then on', async () => {
    const wrapped = withNamedStatements(pool);
    const client = await wrapped.connect();
    try {
      const text = 'select * from t where id = $1';
      assert.equal((await client.query(text, [1])).rows[0].v, 'one');
      await admin.query(`alter table ${schema}.t add column extra int`);
      // The prepared plan returns the old row type: Postgres refuses it (0A000); the wrapper does not.
      const again = await client.query(text, [2]);
      assert.equal(again.rows[0].v, 'two');
      assert.ok('extra' in again.rows[0], 'the new column is there: the query ran unnamed');
      assert.equal((await client.query(text, [1])).rows[0].v, 'one');
    } finally {
      client.release();
    }
  });
});

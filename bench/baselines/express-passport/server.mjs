// The baseline of the serve bench: what a Node developer would write with the usual libraries —
// Express 5 + express-session (MemoryStore) + passport + passport-google-oauth20 (state and PKCE
// in the session) — pointed at the same provider. Like serve, it validates the ID token (jose,
// signature against the provider's JWKS, iss, aud, exp) and stores the refresh and access tokens
// encrypted (AES-256-GCM) in the same database: SQLite (better-sqlite3) or Postgres (pg).
// Usage: node server.mjs CLIENT.json PUBLIC_URL DATABASE   (DATABASE: a file or postgres://…;
// BENCH_PG_SCHEMA names the Postgres schema; BENCH_KEY is a base64 32-byte key).
// Prints {"port":…} when listening.
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as GoogleStrategy } from 'passport-google-oauth20';
import { createLocalJWKSet, jwtVerify } from 'jose';

const [clientPath, publicUrlText, database] = process.argv.slice(2);
const client = JSON.parse(readFileSync(clientPath, 'utf8')).web;
const publicUrl = new URL(publicUrlText);
const issuer = new URL(client.auth_uri).origin;
const key = Buffer.from(process.env.BENCH_KEY ?? randomBytes(32).toString('base64'), 'base64');
const jwks = createLocalJWKSet(await (await fetch(`${issuer}/jwks`)).json());

function seal(text) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

const UPSERT = `insert into bench_accounts (issuer, subject, email, refresh_token, access_token, expires_at)
  values ($1, $2, $3, $4, $5, $6)
  on conflict (issuer, subject) do update set email = excluded.email, refresh_token = excluded.refresh_token,
    access_token = excluded.access_token, expires_at = excluded.expires_at`;
const TABLE = `create table if not exists bench_accounts (issuer text not null, subject text not null, email text,
  refresh_token text not null, access_token text not null, expires_at bigint not null, primary key (issuer, subject))`;
let save;
if (/^postgres/.test(database)) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: database,
    max: 10,
    ...(process.env.BENCH_PG_SCHEMA ? { options: `-c search_path=${process.env.BENCH_PG_SCHEMA}` } : {}),
  });
  await pool.query(TABLE);
  save = (row) => pool.query(UPSERT, row);
} else {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(database);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(TABLE);
  const statement = db.prepare(UPSERT.replace(/\$\d/g, '?'));
  save = async (row) => statement.run(...row);
}

passport.use(
  new GoogleStrategy(
    {
      clientID: client.client_id,
      clientSecret: client.client_secret,
      callbackURL: `${publicUrl.origin}/oauth2callback`,
      authorizationURL: client.auth_uri,
      tokenURL: client.token_uri,
      scope: ['https://www.googleapis.com/auth/adwords', 'openid', 'email'],
      state: true,
      pkce: true,
      skipUserProfile: true,
    },
    (accessToken, refreshToken, params, _profile, done) => {
      jwtVerify(params.id_token, jwks, { issuer, audience: client.client_id })
        .then(async ({ payload }) => {
          if (!refreshToken) throw new Error('no refresh token');
          await save([
            issuer,
            payload.sub,
            payload.email ?? null,
            seal(refreshToken),
            seal(accessToken),
            Date.now() + Number(params.expires_in ?? 3600) * 1000,
          ]);
          done(null, { id: payload.sub, email: payload.email });
        })
        .catch((error) => done(error));
    },
  ),
);
passport.serializeUser((user, done) => done(null, JSON.stringify(user)));
passport.deserializeUser((text, done) => done(null, JSON.parse(text)));

const app = express();
app.disable('x-powered-by');
app.use(
  session({
    secret: randomBytes(32).toString('hex'),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  }),
);
app.use(passport.initialize());
app.use(passport.session());
app.get('/connect', passport.authenticate('google', { accessType: 'offline', prompt: 'consent' }));
app.get('/oauth2callback', passport.authenticate('google', { failureRedirect: '/failed' }), (req, res) => {
  res.type('html').send(`<!doctype html><p>Connected as ${req.user.email}.</p>`);
});
app.get('/failed', (_req, res) => res.status(400).send('Not connected.'));
const server = app.listen(Number(publicUrl.port), '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`),
);
process.on('SIGTERM', () => process.exit(0));

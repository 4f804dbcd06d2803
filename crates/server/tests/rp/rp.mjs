// A relying party built on openid-client (certified by the OpenID Foundation) that checks Portcullis's
// OpenID Connect provider end to end. It is also the user's browser: it follows redirects by hand with
// a cookie jar and fills in the real login pages (password, then a TOTP code from `oathtool`).
//
// Run by crates/server/tests/api/oidc_rp.rs:
//   node rp.mjs --issuer http://127.0.0.1:PORT --client-id ID --redirect-uri URI --post-logout-uri URI \
//               --email EMAIL --alg ES256|RS256 [--org NAME]
//   with RP_CLIENT_SECRET, RP_PASSWORD and RP_TOTP_SECRET in the environment (kept off the command line).
// Between the login and the key rotation it prints `ROTATE` and waits for one line on stdin (the test
// rotates the provider's signing keys meanwhile). At the end it prints one JSON line of results; on a
// failed check it prints `FAILED: …` on stderr and exits 1.

import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as client from 'openid-client';

process.on('uncaughtException', (err) => {
  const cause = err.cause ? ` (cause: ${err.cause.message ?? JSON.stringify(err.cause)})` : '';
  console.error(`FAILED: ${err.message}${cause}`);
  process.exit(1);
});

const { values: arg } = parseArgs({
  options: {
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'redirect-uri': { type: 'string' },
    'post-logout-uri': { type: 'string' },
    email: { type: 'string' },
    alg: { type: 'string', default: 'ES256' },
    org: { type: 'string' },
  },
});
const env = (name) => process.env[name] ?? fail(`${name} is not set`);
const need = (name) => arg[name] ?? fail(`--${name} is missing`);
const issuer = new URL(need('issuer'));
const clientId = need('client-id');
const redirectUri = need('redirect-uri');
const postLogoutUri = need('post-logout-uri');
const email = need('email');
const secret = env('RP_CLIENT_SECRET');
const SCOPE = 'openid profile email org offline_access';

function fail(message) {
  throw new Error(message);
}
function check(ok, message, detail) {
  if (!ok) fail(`${message}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
}
/** Runs `f`, which must throw; returns what it threw. */
async function refused(what, f) {
  try {
    await f();
  } catch (err) {
    return err;
  }
  fail(`${what} was accepted`);
}
function isInvalidGrant(err) {
  return err instanceof client.ResponseBodyError && err.error === 'invalid_grant';
}
function header(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url'));
}

// Every request of the RP goes through this fetch, which counts the JWKS downloads.
const jwksFetches = { count: 0 };
const countingFetch = (url, options) => {
  if (String(url).endsWith('/oauth2/jwks')) jwksFetches.count++;
  return fetch(url, options);
};

/** The RP's configuration: the client secret over HTTP Basic, the ID token's signature checked. */
function configure(config) {
  client.allowInsecureRequests(config); // the test server is plain http://127.0.0.1
  client.enableNonRepudiationChecks(config); // verify ID token signatures against the JWKS
  config[client.customFetch] = countingFetch;
  return config;
}
const metadata = { client_secret: secret, id_token_signed_response_alg: arg.alg };
const config = configure(
  await client.discovery(issuer, clientId, metadata, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
    [client.customFetch]: countingFetch,
  }),
);

/**
 * Validates an ID token with the library. openid-client 6 has no standalone ID-token validation, so the
 * token goes through its own token-response path: `refreshTokenGrant` with a fetch that answers the
 * token request with this ID token (every other request, the JWKS ones, goes to the provider). That
 * runs oauth4webapi's `processRefreshTokenResponse` (iss, aud, exp, iat, alg) and, through
 * `enableNonRepudiationChecks`, `validateApplicationLevelSignature` (the signature against the JWKS).
 */
async function validateIdToken(config, idToken) {
  const tokenEndpoint = config.serverMetadata().token_endpoint;
  config[client.customFetch] = (url, options) =>
    String(url) === tokenEndpoint
      ? new Response(JSON.stringify({ access_token: 'unused', token_type: 'Bearer', id_token: idToken }), {
          headers: { 'content-type': 'application/json' },
        })
      : countingFetch(url, options);
  try {
    return (await client.refreshTokenGrant(config, 'unused')).claims();
  } finally {
    config[client.customFetch] = countingFetch;
  }
}

/** A browser: a cookie jar (one host), redirects followed by hand. */
class Browser {
  jar = new Map();

  async request(url, init = {}) {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(new URL(url, issuer), {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, ...(cookie && { cookie }), 'accept-language': 'en' },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1)];
      const gone = value === '' || attrs.some((a) => /^\s*(max-age=0|expires=.*1970)/i.test(a));
      gone ? this.jar.delete(name) : this.jar.set(name, value);
    }
    return response;
  }

  /** GETs `url` and follows redirects within Portcullis; stops at one to the RP or at a page. */
  async visit(url) {
    let response = await this.request(url);
    let at = new URL(url, issuer);
    while (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location'), at);
      if (next.origin !== issuer.origin) return { redirect: next, response };
      at = next;
      response = await this.request(at);
    }
    return { page: at, response, html: await response.text() };
  }

  /** Submits the page's form that has field `field` (with its hidden fields, the CSRF one among them). */
  async submit(page, html, field, fields) {
    for (const [, attrs, body] of html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
      if (!body.includes(`name="${field}"`)) continue;
      const form = new URLSearchParams();
      for (const [, name, value] of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
        form.set(name, unescape(value));
      }
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      const action = new URL(unescape(/action="([^"]*)"/.exec(attrs)[1]), page);
      return this.request(action, {
        method: 'POST',
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    }
    fail(`no form with a "${field}" field on ${page}`);
  }
}
function unescape(html) {
  return html.replaceAll('&#38;', '&').replaceAll('&amp;', '&').replaceAll('&#34;', '"').replaceAll('&quot;', '"');
}

function totpNow() {
  return execFileSync('oathtool', ['--totp', '-b', env('RP_TOTP_SECRET')], { encoding: 'utf8' }).trim();
}

/** Starts a code flow with PKCE in `browser`; `login` fills in the pages if Portcullis shows them. */
async function authorize(browser, extra = {}, { login = true } = {}) {
  const checks = {
    pkceCodeVerifier: client.randomPKCECodeVerifier(),
    expectedState: client.randomState(),
    expectedNonce: client.randomNonce(),
  };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(checks.pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    ...extra,
  });
  let step = await browser.visit(url);
  const straightBack = step.redirect !== undefined;
  if (!straightBack) {
    check(login, 'a login page where none was expected', step.page.href);
    check(step.page.pathname === '/login', 'the login page', step.page.href);
    let response = await browser.submit(step.page, step.html, 'password', {
      email,
      password: env('RP_PASSWORD'),
    });
    check(response.headers.get('location') === '/mfa/challenge', 'the password leads to the code', response.status);
    step = await browser.visit('/mfa/challenge');
    response = await browser.submit(step.page, step.html, 'code', { code: totpNow() });
    check(response.headers.get('location') === '/oauth2/continue', 'the code is accepted, back to the waiting request', response.status);
    step = await browser.visit('/oauth2/continue');
    check(step.page?.pathname === '/oauth2/continue', 'the waiting request is answered', step.page?.href);
    const link = /<a id="return" href="([^"]*)"/.exec(step.html);
    check(link, 'the "return" link on /oauth2/continue');
    step = { redirect: new URL(unescape(link[1])) };
  }
  return { callback: step.redirect, checks, straightBack };
}

async function signIn(browser) {
  const { callback, checks, straightBack } = await authorize(browser);
  check(callback.href.startsWith(redirectUri), 'back at the redirect URI', callback.href);
  // Checks state, iss, the code exchange with the verifier, the ID token (signature, nonce, aud, iss).
  const tokens = await client.authorizationCodeGrant(config, callback, checks);
  return { tokens, straightBack };
}

const results = { alg: arg.alg };
const browser = new Browser();

// 1. The code flow with PKCE through the login pages, and the ID token's claims.
const first = await signIn(browser);
check(!first.straightBack, 'the first login shows the login pages');
const claims = first.tokens.claims();
check(header(first.tokens.id_token).alg === arg.alg, `an ${arg.alg} ID token`, header(first.tokens.id_token));
for (const amr of ['pwd', 'otp', 'mfa']) check(claims.amr?.includes(amr), `amr has ${amr}`, claims.amr);
check(claims.acr === 'mfa', 'acr is mfa', claims.acr);
check(claims.sub && claims.sub !== email && !claims.sub.includes('@'), 'sub is opaque', claims.sub);
check(claims.email === email, 'the email claim', claims.email);
if (arg.org) {
  check(claims.org?.name === arg.org && Array.isArray(claims.roles) && claims.roles.length, 'org and roles', claims);
} else {
  // With the org scope `roles` is always there: empty for an individual without a platform role.
  check(claims.org === undefined && claims.roles?.length === 0, 'no org and no roles for an individual', claims);
}
Object.assign(results, { sub: claims.sub, amr: claims.amr, acr: claims.acr, org: claims.org ?? null, roles: claims.roles ?? null });

// 2. UserInfo (the library insists that its sub is the ID token's).
const info = await client.fetchUserInfo(config, first.tokens.access_token, claims.sub);
results.userinfo_sub = info.sub;

// 3. Refresh with rotation; replaying the old token revokes the whole family.
const second = await client.refreshTokenGrant(config, first.tokens.refresh_token);
check(second.refresh_token && second.refresh_token !== first.tokens.refresh_token, 'a new refresh token');
check(second.claims()?.sub === claims.sub, 'the refreshed ID token is about the same user');
let err = await refused('the replayed refresh token', () => client.refreshTokenGrant(config, first.tokens.refresh_token));
check(isInvalidGrant(err), 'a replay is invalid_grant', String(err));
results.replay_error = err.error;
err = await refused('the newest refresh token after a replay', () => client.refreshTokenGrant(config, second.refresh_token));
check(isInvalidGrant(err), 'the family is revoked', String(err));
results.family_error = err.error;

// 4. The same browser signs in again: straight back, no pages.
const third = await signIn(browser);
check(third.straightBack, 'a second login with the session comes straight back');
results.straight_back = third.straightBack;
const kidBefore = header(third.tokens.id_token).kid;

// 5. Key rotation while tokens are live.
const persisted = client.getJwksCache(config);
check(persisted?.jwks.keys.some((k) => k.kid === kidBefore), 'the cached JWKS has the key in use', persisted);
console.log('ROTATE');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
check((await lines.next()).value === 'go', 'the test answers "go" after rotating');
// The library refetches the JWKS for an unknown kid only when its copy is at least 60 s old (oauth4webapi
// `getPublicSigKeyFromIssuerJwksUri`: a guard against being made to hammer the jwks_uri), and tests never
// sleep. So the RP restarts the way the library documents for short-lived processes: with its JWKS
// cache saved by `getJwksCache` and restored by `setJwksCache`, here with the download time moved back
// 61 s, as if a minute had passed. The restored copy lacks the new kid, so a new download is required.
const restarted = configure(
  new client.Configuration(config.serverMetadata(), clientId, metadata, client.ClientSecretBasic(secret)),
);
client.setJwksCache(restarted, { jwks: persisted.jwks, uat: persisted.uat - 61 });
const fetchesBefore = jwksFetches.count;
const fourth = await client.refreshTokenGrant(restarted, third.tokens.refresh_token);
const kidAfter = header(fourth.id_token).kid;
check(kidAfter !== kidBefore, 'the refreshed ID token is signed by a new key', { kidBefore, kidAfter });
check(!persisted.jwks.keys.some((k) => k.kid === kidAfter), 'the new kid was not in the old JWKS');
check(jwksFetches.count === fetchesBefore + 1, 'the JWKS was downloaded again for the new kid', jwksFetches);
check(header(fourth.id_token).alg === arg.alg, `still ${arg.alg}`);
Object.assign(results, { kid_before: kidBefore, kid_after: kidAfter, jwks_refetched: true });
// An ID token from before the rotation still validates: the retired key stays published.
const old = await validateIdToken(restarted, third.tokens.id_token);
check(old.sub === claims.sub, 'the pre-rotation ID token validates');
results.old_id_token_valid = true;
// What an RP that downloaded the JWKS less than 60 s before the rotation sees (recorded, not required).
err = await validateIdToken(config, fourth.id_token).then(() => null, (e) => e);
results.recent_cache_sees_new_kid = err === null ? 'accepted' : err.code ?? String(err);

// 6. A tampered ID token: a valid token with one claim changed and the original signature.
const [h, payload, signature] = fourth.id_token.split('.');
const altered = { ...JSON.parse(Buffer.from(payload, 'base64url')), email: 'mallory@example.net' };
const tampered = [h, Buffer.from(JSON.stringify(altered)).toString('base64url'), signature].join('.');
err = await refused('the tampered ID token', () => validateIdToken(restarted, tampered));
check(err.cause?.message === 'JWT signature verification failed', 'refused for its signature', String(err.cause ?? err));
results.tampered_error = err.cause.message;
// The untampered one passes the same path (so the refusal above is the signature's doing).
await validateIdToken(restarted, fourth.id_token);

// 7. prompt=none without a session: login_required, raised by the library's callback handling.
const stranger = await authorize(new Browser(), { prompt: 'none' }, { login: false });
check(stranger.straightBack, 'prompt=none never shows a page');
err = await refused('a prompt=none answer without a session', () =>
  client.authorizationCodeGrant(config, stranger.callback, stranger.checks),
);
check(err instanceof client.AuthorizationResponseError && err.error === 'login_required', 'login_required', String(err));
results.prompt_none_error = err.error;

// 8. RP-initiated logout with id_token_hint and a registered post-logout URI.
const logout = client.buildEndSessionUrl(restarted, {
  id_token_hint: fourth.id_token,
  post_logout_redirect_uri: postLogoutUri,
  state: 'bye-123',
});
const response = await browser.request(logout);
results.logout_status = response.status;
results.logout_location = response.headers.get('location');
check(response.status === 303 && results.logout_location === `${postLogoutUri}?state=bye-123`, 'logout returns to the RP', results);
const home = await browser.request('/');
results.home_after_logout = home.headers.get('location');
check(home.status === 303 && results.home_after_logout === '/login', 'the session is gone', home.status);
err = await refused('a refresh after logout', () => client.refreshTokenGrant(restarted, fourth.refresh_token));
check(isInvalidGrant(err), 'logout ends the grant', String(err));
results.refresh_after_logout_error = err.error;

console.log(JSON.stringify(results));
process.exit(0);

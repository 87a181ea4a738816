// Container health check for Ghost: healthy when Ghost answers HTTP with anything but a
// server error and its database answers a query, each within a few seconds. Ghost's HTTP
// server alone stays up while its database is dead or frozen and every page hangs; the
// query, made with Ghost's own MySQL driver and the container's database settings, sees that.
const http = require('http');
const path = require('path');

const TIMEOUT_MS = 3000;
// Docker gives the check 5 s; say why it failed before Docker stops waiting.
setTimeout(() => fail(['the check did not finish within 4 s']), TIMEOUT_MS + 1000).unref();

function fail(problems) {
  process.stderr.write(`unhealthy: ${problems.join('; ')}\n`);
  process.exit(1);
}

function ghostAnswers() {
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port: Number(process.env.server__port || 2368),
        path: '/ghost/api/admin/site/',
        // As the proxy sends it, so Ghost answers instead of redirecting to https.
        headers: { 'x-forwarded-proto': 'https' },
        timeout: TIMEOUT_MS,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode < 500 ? undefined : `Ghost answered ${response.statusCode}`);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    request.on('error', (error) => resolve(`Ghost did not answer: ${error.message}`));
  });
}

function databaseAnswers() {
  return new Promise((resolve) => {
    let mysql;
    try {
      const ghost = path.join(process.env.GHOST_INSTALL || '/var/lib/ghost', 'current');
      mysql = require(require.resolve('mysql2', { paths: [ghost] }));
    } catch (error) {
      resolve(`cannot load Ghost's MySQL driver: ${error.message}`);
      return;
    }
    const connection = mysql.createConnection({
      host: process.env.database__connection__host,
      port: Number(process.env.database__connection__port || 3306),
      user: process.env.database__connection__user,
      password: process.env.database__connection__password,
      database: process.env.database__connection__database,
      connectTimeout: TIMEOUT_MS,
    });
    connection.on('error', () => undefined);
    connection.query({ sql: 'SELECT 1', timeout: TIMEOUT_MS }, (error) => {
      connection.destroy();
      resolve(error ? `the database did not answer: ${error.message}` : undefined);
    });
  });
}

Promise.all([ghostAnswers(), databaseAnswers()]).then((results) => {
  const problems = results.filter((problem) => problem !== undefined);
  if (problems.length > 0) fail(problems);
  process.exit(0);
});

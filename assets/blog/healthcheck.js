// Container health check for Ghost: healthy once Ghost answers HTTP on its port with
// anything but a server error. Ghost redirects plain-HTTP requests to its https:// URL,
// and a redirect proves it is up just as well.
const http = require('http');

const request = http.get({ host: '127.0.0.1', port: 2368, path: '/ghost/api/admin/site/', timeout: 4000 }, (response) => {
  response.resume();
  process.exit(response.statusCode !== undefined && response.statusCode < 500 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', () => process.exit(1));

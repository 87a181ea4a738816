// npm run proxy:preview -- --http-port P --https-port Q --upstream HOST:PORT [--activitypub HOST:PORT]
//
// Renders the proxy configuration from the blog settings for the NGINX on this machine,
// runs it in the foreground on loopback with a fresh self-signed certificate, and stops it
// (leaving nothing behind) on Ctrl-C or SIGTERM. Try a settings change against a running
// Ghost before deploying it.
import { parseArgs } from 'util';
import { loadSettingsFile, settingsFileToRead } from '../core/settings-file';
import { HostPort, RunningPreview, startPreview } from './nginx-harness';

function hostPort(flag: string, value: string | undefined): HostPort | undefined {
  if (value === undefined) return undefined;
  const match = /^([^:\s]+):(\d{1,5})$/.exec(value);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new Error(`--${flag} expects HOST:PORT, such as 127.0.0.1:2368; got ${JSON.stringify(value)}`);
  }
  return { host: match[1], port: Number(match[2]) };
}

function port(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${flag} expects a port from 1 to 65535; got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'http-port': { type: 'string' },
      'https-port': { type: 'string' },
      upstream: { type: 'string' },
      activitypub: { type: 'string' },
      settings: { type: 'string' },
    },
    strict: true,
  });
  const upstream = hostPort('upstream', values.upstream);
  if (!upstream) throw new Error('--upstream HOST:PORT is required: where Ghost listens, such as 127.0.0.1:2368');
  const { file: settingsFile, required } = settingsFileToRead(values.settings);
  const settings = loadSettingsFile(settingsFile, required).given;

  // Signals are caught from the start, so a Ctrl-C during start-up still cleans up.
  let preview: RunningPreview | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!preview) return; // start-up sees the flag and stops what it started
    process.stdout.write(`\n${signal}: stopping NGINX...\n`);
    await preview.stop();
    process.stdout.write('Stopped; nothing left running.\n');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));

  preview = await startPreview({
    settings,
    upstream,
    activityPub: hostPort('activitypub', values.activitypub),
    httpPort: port('http-port', values['http-port']),
    httpsPort: port('https-port', values['https-port']),
  });
  if (stopping) {
    await preview.stop();
    process.exit(0);
  }

  const tls = preview.options.tls.enabled;
  const lines = [
    `NGINX ${preview.nginx.version} (OpenSSL ${preview.nginx.openssl}) is serving the generated configuration on loopback.`,
    `Configuration: ${preview.prefix}/conf`,
    `Upstream: Ghost at ${upstream.host}:${upstream.port} (as "${preview.ghostAlias}" through a local resolver)`,
    '',
    'Try (the certificate is self-signed; --resolve points the real host names at loopback):',
    ...preview.hostNames.flatMap((host) => [
      `  curl -sv --resolve ${host}:${preview.httpPort}:127.0.0.1 http://${host}:${preview.httpPort}/`,
      ...(tls ? [`  curl -sv --cacert ${preview.certificateFile} --resolve ${host}:${preview.httpsPort}:127.0.0.1 https://${host}:${preview.httpsPort}/`] : []),
    ]),
    '',
    'Press Ctrl-C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`proxy:preview: ${error.message}\n`);
  process.exit(1);
});

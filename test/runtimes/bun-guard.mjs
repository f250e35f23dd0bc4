// Run by bun.test.ts under Bun: acceptProxyProtocol must refuse Bun's node:http, https and http2
// servers (which would serve requests without a header) and accept net and tls servers. Prints
// the outcome for each kind of server as one JSON line.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { acceptProxyProtocol } from '../../dist/node.js';

const outcome = (make) => {
  try {
    acceptProxyProtocol(make()).close();
    return 'installed';
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
};
const result = {
  http: outcome(() => http.createServer()),
  https: outcome(() => https.createServer()),
  http2: outcome(() => http2.createServer()),
  http2Secure: outcome(() => http2.createSecureServer()),
  net: outcome(() => net.createServer()),
  tls: outcome(() => tls.createServer()),
};
console.log(`PROXYPROTO_GUARD ${JSON.stringify(result)}`);

/**
 * @module
 * Our real server behind the fault proxy: the proxy listens first, the server is built with
 * `publicUrl` set to the proxy's origin (so every `download_url` and `paging.next` it writes
 * leads back through the proxy), then listens on its own loopback port, which becomes the
 * proxy's target. `startListeningFixture` cannot be used here: it sets `publicUrl` to the
 * server's own port.
 */
import type { ConfigOverrides } from '../../src/config.js';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';
import { type GraphFixture, startGraphFixture } from './graph-fixture.js';

export interface ProxiedFixture extends GraphFixture {
  readonly proxy: FaultProxy;
  /** The server's own origin, bypassing the proxy. */
  readonly serverUrl: string;
}

export async function startProxiedFixture(
  overrides: ConfigOverrides = {},
  proxyOptions: Omit<FaultProxyOptions, 'target'> = {},
): Promise<ProxiedFixture> {
  const proxy = await startFaultProxy(proxyOptions);
  let fixture: GraphFixture | undefined;
  try {
    fixture = await startGraphFixture({ ...overrides, publicUrl: proxy.origin });
    await fixture.app.listen({ port: 0, host: '127.0.0.1' });
    const address = fixture.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
    const serverUrl = `http://127.0.0.1:${address.port}`;
    proxy.setTarget(serverUrl);
    const started = fixture;
    return {
      ...started,
      proxy,
      serverUrl,
      async close() {
        await proxy.close();
        started.app.server.closeAllConnections();
        await started.close();
      },
    };
  } catch (error) {
    await proxy.close();
    await fixture?.close();
    throw error;
  }
}

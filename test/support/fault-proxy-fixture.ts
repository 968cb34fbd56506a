/**
 * @module
 * Our real server behind the fault proxy: the proxy listens first, the server is built with
 * `publicUrl` set to the proxy's origin (so every `download_url` and `paging.next` it writes
 * leads back through the proxy), then listens on its own loopback port, which becomes the
 * proxy's target. `startListeningFixture` cannot be used here: it sets `publicUrl` to the
 * server's own port. In the scale-out run (`cluster-fixture.ts`) the server is the cluster: its
 * API processes write the proxy's origin in their links, and the proxy's target is the
 * cluster's balancer.
 */
import type { ConfigOverrides } from '../../src/config.js';
import { ON_CLUSTER, type ClusterFixture } from './cluster-fixture.js';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';
import { type GraphFixture, startGraphFixture } from './graph-fixture.js';

export interface ProxiedFixture extends GraphFixture {
  readonly proxy: FaultProxy;
  /** The server's own origin (the cluster's balancer), bypassing the proxy. */
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
    const serverUrl = ON_CLUSTER
      ? (fixture as ClusterFixture).baseUrl
      : await listenOnLoopback(fixture);
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

/** Starts the in-process app on a free loopback port; returns its origin. */
async function listenOnLoopback(fixture: GraphFixture): Promise<string> {
  await fixture.app.listen({ port: 0, host: '127.0.0.1' });
  const address = fixture.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
  return `http://127.0.0.1:${address.port}`;
}

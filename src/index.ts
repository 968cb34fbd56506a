/**
 * @module
 * The package's public entry: configuration, the runtime (stores and services), the Fastify
 * app, and the domain types. `dyi` (src/cli) is built on exactly these.
 */
export { type Config, type ConfigOverrides, DEFAULTS, loadConfig } from './config.js';
export * from './domain/index.js';
export { openRuntime, type Runtime } from './runtime.js';
export { type AppOptions, buildApp } from './server/app.js';

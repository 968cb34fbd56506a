/**
 * @module
 * Every page of the signed-in panel, in one list that `buildApp` hands to the panel.
 */
import { registerAuditPages } from './audit-page.js';
import type { PanelPages } from './admin-panel.js';
import { registerExportPages } from './export-pages.js';
import { registerIntegrationPages } from './integration-pages.js';
import { registerCommunityPages } from './community-page.js';
import { registerLiveUpdates } from './live-updates.js';

export const PANEL_PAGES: readonly PanelPages[] = [
  registerLiveUpdates,
  registerExportPages,
  registerIntegrationPages,
  registerCommunityPages,
  registerAuditPages,
];

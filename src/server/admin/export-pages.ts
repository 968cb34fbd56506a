/**
 * @module
 * The panel's "Download data" tab: the list of exports, the form that starts one, each
 * export's page with its jobs and files, cancel and delete behind a confirmation, its
 * retention (keep until, delete the files now), the
 * download link of a file, and "Download all" of an export. One entry for the panel's page list.
 */
import type { PanelPages } from './admin-panel.js';
import { registerDownloadAll } from './download-all-page.js';
import { registerExportConfirmPages } from './export-confirm-pages.js';
import { registerExportDetail } from './export-detail-page.js';
import { registerExportForm } from './export-form-page.js';
import { registerExportList } from './export-list-page.js';
import { registerExportRetentionPages } from './export-retention-pages.js';
import { registerFileDownload } from './file-download-route.js';

export const registerExportPages: PanelPages = (panel, runtime) => {
  registerExportList(panel, runtime);
  registerExportForm(panel, runtime);
  registerExportDetail(panel, runtime);
  registerExportConfirmPages(panel, runtime);
  registerExportRetentionPages(panel, runtime);
  registerFileDownload(panel, runtime);
  registerDownloadAll(panel, runtime);
};

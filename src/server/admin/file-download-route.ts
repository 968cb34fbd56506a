/**
 * @module
 * `GET /admin/files/:id/download`: the panel's download link of a file. It checks that the
 * file belongs to the signed-in admin's community, then sends the browser on (303) to the
 * same signed, expiring URL the Graph API gives as `download_url`, so that every download is
 * served (with ranges and resumption) by the one download route. A file whose export expired
 * gets a page saying so (410).
 */
import type { FastifyInstance } from 'fastify';
import { ExportExpiredError, NotFoundError } from '../../domain/index.js';
import type { Runtime } from '../../runtime.js';
import { sessionOf } from './admin-session.js';

export function registerFileDownload(panel: FastifyInstance, runtime: Runtime): void {
  panel.get('/files/:id/download', async (request, reply) => {
    const session = sessionOf(request);
    const { id } = request.params as { id: string };
    if (!/^\d{1,20}$/.test(id)) throw new NotFoundError(id);
    const file = await runtime.jobs.getFile(session.community.id, id);
    // Said here, in a page, rather than by the download route's JSON answer.
    if (file.expiredTime !== null)
      throw new ExportExpiredError(`File ${file.name}`, file.expiredTime);
    return reply.redirect((await runtime.downloadLinks.sign(file)).url, 303);
  });
}

import { describe, expect, it } from 'vitest';
import type { ExportJob, ExportJobCounts } from '../../domain/index.js';
import type { ExportStatus } from '../../services/export-service.js';
import { exportProgress } from './export-labels.js';

function status(counts: Partial<ExportJobCounts>, isCompleted: boolean): ExportStatus {
  const all: ExportJobCounts = {
    total: 50,
    pending: 0,
    inProgress: 0,
    completed: 0,
    aborted: 0,
    failed: 0,
    runningProgress: 0,
    leftOut: 0,
    ...counts,
  };
  const finished = all.completed + all.aborted + all.failed;
  return {
    export: {} as ExportJob,
    counts: all,
    isCompleted,
    abortReason: null,
    progress: finished / all.total,
    expiresTime: null,
    isExpired: false,
  };
}

describe('exportProgress', () => {
  it('says what a cancelled export did instead of showing a full bar', () => {
    const markup = String(exportProgress('Export 1', status({ completed: 8, aborted: 42 }, true)));
    expect(markup).toContain(
      '<span class="outcome" aria-hidden="true">8 of 50 completed, 42 aborted</span>',
    );
    expect(markup).toContain('value="16"');
    expect(markup).toContain('aria-label="Export 1: 8 of 50 completed, 42 aborted"');
    expect(markup).not.toContain('100 %');
  });

  it('names failed jobs too, and leaves out counts that are zero', () => {
    const markup = String(exportProgress('Export 1', status({ completed: 49, failed: 1 }, true)));
    expect(markup).toContain('49 of 50 completed, 1 failed</span>');
  });

  it('shows a plain bar while running and once every job completed', () => {
    const running = String(
      exportProgress('Export 1', status({ completed: 10, pending: 40 }, false)),
    );
    expect(running).toContain('20 %');
    expect(running).not.toContain('outcome');
    const done = String(exportProgress('Export 1', status({ completed: 50 }, true)));
    expect(done).toContain('100 %');
  });
});

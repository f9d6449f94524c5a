import { Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';

import type { BuildJob } from './api';
import type { ContainerizeModel } from './model';

/**
 * A toast when a build ends while the panel is hidden (the panel itself shows it otherwise),
 * with an action that opens the panel.
 */
export function notifyWhenHidden(
  model: ContainerizeModel,
  panel: Widget,
  trans: TranslationBundle,
  open: () => void
): void {
  model.finished.connect((_, job) => {
    if (panel.isVisible && !document.hidden) {
      return;
    }
    const message = finishedMessage(job, trans);
    if (!message) {
      return;
    }
    const actions = [{ label: trans.__('Show'), callback: open }];
    if (job.state === 'succeeded') {
      Notification.success(message, { autoClose: 8000, actions });
    } else {
      Notification.error(message, { autoClose: false, actions });
    }
  });
}

export function finishedMessage(
  job: BuildJob,
  trans: TranslationBundle
): string | null {
  const notebook = job.notebook.split('/').pop() ?? job.notebook;
  switch (job.state) {
    case 'succeeded':
      return trans.__(
        'Image of %1 built: %2',
        notebook,
        job.result?.tag ?? job.tag ?? ''
      );
    case 'failed':
      return trans.__(
        'The image of %1 failed to build: %2',
        notebook,
        job.error?.message ?? ''
      );
    case 'interrupted':
      return trans.__('The build of %1 was interrupted.', notebook);
    default:
      return null; // cancelled: the user asked for it
  }
}

import type { INotebookTracker } from '@jupyterlab/notebook';

import { currentNotebookPath } from './commands';
import type { ContainerizeModel } from './model';
import type { ContainerizePanel } from './widgets/panel';

/**
 * Keep the panel on the active notebook. While the panel is hidden nothing is analysed: the
 * latest active notebook is applied when it is shown again.
 */
export function followActiveNotebook(
  notebooks: INotebookTracker,
  model: ContainerizeModel,
  panel: ContainerizePanel
): void {
  let pending: string | null = null;
  let shownWhenPending: string | null = null;

  notebooks.currentChanged.connect(() => {
    const path = currentNotebookPath(notebooks);
    if (!path) {
      return; // keep showing the last notebook
    }
    if (panel.isVisible) {
      pending = null;
      void model.setNotebook(path);
    } else {
      pending = path;
      shownWhenPending = model.path;
    }
  });

  panel.shown.connect(() => {
    // An explicit choice made meanwhile (file browser, command argument) wins.
    const stale = pending !== null && model.path !== shownWhenPending;
    const path = stale
      ? null
      : (pending ?? (model.path ? null : currentNotebookPath(notebooks)));
    pending = null;
    if (path) {
      void model.setNotebook(path);
    }
  });
}

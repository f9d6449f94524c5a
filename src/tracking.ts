import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { currentNotebookPath } from './commands';
import type { ContainerizeModel } from './model';
import type { ContainerizePanel } from './widgets/panel';

/**
 * Keep the panel on the active notebook (not on a notebook a run wrote: opening one keeps the
 * panel on the notebook that ran). While the panel is hidden nothing is analysed: the latest
 * active notebook is applied when it is shown again.
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
    if (!path || model.isRunOutput(path)) {
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
    const current = currentNotebookPath(notebooks);
    const path = stale
      ? null
      : (pending ??
        (model.path || (current && model.isRunOutput(current))
          ? null
          : current));
    pending = null;
    if (path) {
      void model.setNotebook(path);
    }
  });
}

/** When the notebook the panel shows is saved, check again whether its image is stale. */
export function refreshStaleOnSave(
  notebooks: INotebookTracker,
  model: ContainerizeModel
): void {
  const watch = (panel: NotebookPanel) => {
    panel.context.saveState.connect((context, state) => {
      if (state === 'completed' && context.localPath === model.path) {
        void model.refreshStale();
      }
    });
  };
  notebooks.forEach(watch);
  notebooks.widgetAdded.connect((_, panel) => watch(panel));
}

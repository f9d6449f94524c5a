import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import type { INotebookTracker } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, stopIcon } from '@jupyterlab/ui-components';
import type { Widget } from '@lumino/widgets';
import * as React from 'react';

import { containerIcon } from './icons';
import type { ContainerizeModel } from './model';
import { scheduleImage } from './schedule';
import { CommandIDs } from './tokens';
import { SchedulerHelp } from './widgets/schedule';

export interface ICommandContext {
  app: JupyterFrontEnd;
  model: ContainerizeModel;
  panel: Widget;
  trans: TranslationBundle;
  notebooks: INotebookTracker | null;
  browsers: IFileBrowserFactory | null;
}

/** Path of the notebook in the active notebook panel, if any. */
export function currentNotebookPath(
  notebooks: INotebookTracker | null
): string | null {
  const context = notebooks?.currentWidget?.context;
  return context ? context.localPath : null;
}

/** Path of the first `.ipynb` selected in the file browser, if any. */
export function selectedNotebookPath(
  browsers: IFileBrowserFactory | null
): string | null {
  const browser = browsers?.tracker.currentWidget;
  if (!browser) {
    return null;
  }
  for (const item of browser.selectedItems()) {
    if (item.type === 'notebook' || item.path.endsWith('.ipynb')) {
      return item.path;
    }
  }
  return null;
}

/** Show the panel in the right sidebar. */
export function showPanel(app: JupyterFrontEnd, panel: Widget): void {
  if (!panel.isAttached) {
    app.shell.add(panel, 'right', { rank: 650 });
  }
  app.shell.activateById(panel.id);
}

export function addCommands(ctx: ICommandContext): void {
  const { app, model, panel, trans, notebooks, browsers } = ctx;
  const { commands } = app;

  commands.addCommand(CommandIDs.open, {
    label: trans.__('Containerize Notebook'),
    caption: trans.__('Build a container image of the notebook'),
    icon: args => (args.isPalette ? undefined : containerIcon),
    execute: args => {
      const path =
        (args.path as string | undefined) ||
        (args.source === 'filebrowser'
          ? selectedNotebookPath(browsers)
          : (currentNotebookPath(notebooks) ?? selectedNotebookPath(browsers)));
      if (path && path === model.path) {
        void model.refreshAnalysis(); // the notebook may have new imports
      } else if (path) {
        void model.setNotebook(path); // before showing: an explicit choice wins
      }
      showPanel(app, panel);
    }
  });

  commands.addCommand(CommandIDs.build, {
    label: trans.__('Build Container Image'),
    caption: trans.__(
      'Build the image of the notebook shown in the Containerize panel'
    ),
    icon: args => (args.isPalette ? undefined : containerIcon),
    isEnabled: () => model.canBuild,
    execute: async () => {
      showPanel(app, panel);
      return model.build();
    }
  });

  commands.addCommand(CommandIDs.cancel, {
    label: trans.__('Cancel Container Build'),
    icon: args => (args.isPalette ? undefined : stopIcon),
    isEnabled: () => !!model.job && model.building,
    execute: () => model.cancel()
  });

  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Analyse Notebook Again'),
    icon: args => (args.isPalette ? undefined : refreshIcon),
    isEnabled: () => !!model.path,
    execute: () => model.refreshAnalysis()
  });

  commands.addCommand(CommandIDs.schedule, {
    label: args =>
      args.isPalette
        ? trans.__('Schedule the Built Image')
        : trans.__('Schedule…'),
    caption: trans.__(
      'Run the notebook in this image on a schedule, with jupyter-scheduler'
    ),
    isEnabled: args =>
      !!(args.tag as string | undefined) ||
      (model.job?.state === 'succeeded' && !!model.job.result),
    execute: async args => {
      const job = model.job;
      const tag = (args.tag as string | undefined) ?? job?.result?.tag;
      const path = (args.path as string | undefined) ?? job?.notebook;
      if (!tag || !path) {
        return;
      }
      const outcome = await scheduleImage({ commands, path, tag });
      if (outcome === 'opened-unselected') {
        Notification.info(
          trans.__('Choose the environment %1 in Create Job.', tag),
          { autoClose: 10000 }
        );
      } else if (outcome !== 'opened') {
        await showDialog({
          title: trans.__('Schedule with jupyter-scheduler'),
          body: React.createElement(SchedulerHelp, { outcome, tag, trans }),
          buttons: [Dialog.okButton({ label: trans.__('Close') })]
        });
      }
      return outcome;
    }
  });

  model.changed.connect(() => {
    commands.notifyCommandChanged(CommandIDs.build);
    commands.notifyCommandChanged(CommandIDs.cancel);
    commands.notifyCommandChanged(CommandIDs.refresh);
    commands.notifyCommandChanged(CommandIDs.schedule);
  });
}

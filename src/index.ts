import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { addCommands, showPanel } from './commands';
import { containerIcon } from './icons';
import { ContainerizeModel, IBuildDefaults } from './model';
import {
  CommandIDs,
  IContainerizeModel,
  PANEL_ID,
  PLUGIN_ID,
  TRANSLATION_DOMAIN
} from './tokens';
import { notifyWhenHidden } from './notify';
import { openRun } from './opener';
import { followActiveNotebook, refreshStaleOnSave } from './tracking';
import { ContainerizePanel } from './widgets/panel';

export { IContainerizeModel } from './tokens';
export type { ContainerizeModel } from './model';

/**
 * The Containerize sidebar, its commands and entry points (wiring only).
 */
const plugin: JupyterFrontEndPlugin<ContainerizeModel> = {
  id: PLUGIN_ID,
  description:
    'Build a Docker image of a notebook, pinned to its kernel’s package versions.',
  autoStart: true,
  provides: IContainerizeModel,
  optional: [
    INotebookTracker,
    IFileBrowserFactory,
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    ITranslator,
    IStateDB
  ],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker | null,
    browsers: IFileBrowserFactory | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    state: IStateDB | null
  ): ContainerizeModel => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const model = new ContainerizeModel({ state });

    const kernelOf = (path: string): string | null => {
      const widget = notebooks?.find(nb => nb.context.localPath === path);
      const spec = widget?.context.model.getMetadata('kernelspec') as
        { name?: string; display_name?: string } | undefined;
      return spec ? (spec.display_name ?? spec.name ?? null) : null;
    };
    const open = (path: string, failedCell: number | null) =>
      void openRun(app.commands, path, failedCell).catch(reason =>
        console.error('jupyter-containerize: cannot open', path, reason)
      );
    const panel = new ContainerizePanel(
      model,
      trans,
      kernelOf,
      () => void app.commands.execute(CommandIDs.schedule),
      open
    );
    // a run that ends opens what it wrote: at the failing cell when it failed
    model.runs.finished.connect((_, job) => {
      const result = job.result;
      if (result?.output && job.state !== 'cancelled') {
        open(
          result.output,
          job.state === 'failed' ? (result.failed_cell ?? null) : null
        );
      }
    });
    panel.id = PANEL_ID;
    panel.title.icon = containerIcon;
    panel.title.caption = trans.__('Containerize');
    app.shell.add(panel, 'right', { rank: 650 });
    restorer?.add(panel, PANEL_ID);

    addCommands({ app, model, panel, trans, notebooks, browsers });
    palette?.addItem({
      command: CommandIDs.open,
      category: trans.__('Containerize')
    });
    palette?.addItem({
      command: CommandIDs.build,
      category: trans.__('Containerize')
    });
    palette?.addItem({
      command: CommandIDs.cancel,
      category: trans.__('Containerize')
    });

    notifyWhenHidden(model, panel, trans, () => showPanel(app, panel));

    if (notebooks) {
      followActiveNotebook(notebooks, model, panel);
      refreshStaleOnSave(notebooks, model);
    }

    if (settingRegistry) {
      const apply = (settings: ISettingRegistry.ISettings) => {
        const c = settings.composite;
        model.defaults = {
          baseImage: String(c.baseImage ?? ''),
          tagTemplate: String(c.tagTemplate ?? ''),
          registry: String(c.registry ?? ''),
          push: Boolean(c.pushByDefault),
          verify: Boolean(c.verifyByDefault),
          platform: String(c.platform ?? '')
        } as IBuildDefaults;
        model.runs.runsFolder = String(c.runsFolder ?? '');
      };
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          apply(settings);
          settings.changed.connect(apply);
        })
        .catch(reason =>
          console.error('jupyter-containerize: cannot load settings', reason)
        );
    }

    return model;
  }
};

export default plugin;

import { Token } from '@lumino/coreutils';

import type { ContainerizeModel } from './model';

/** The plugin id (also the settings id: `jupyter-containerize:plugin`). */
export const PLUGIN_ID = 'jupyter-containerize:plugin';

/** The translation domain of the extension's strings. */
export const TRANSLATION_DOMAIN = 'jupyter_containerize';

/** The id of the right sidebar panel (also the layout restorer's key). */
export const PANEL_ID = 'jp-containerize-panel';

/** Command ids, one namespace: `containerize:`. */
export namespace CommandIDs {
  export const open = 'containerize:open';
  export const build = 'containerize:build';
  export const cancel = 'containerize:cancel';
  export const refresh = 'containerize:refresh';
  export const schedule = 'containerize:schedule';
}

/**
 * The panel's model, provided for other extensions (e.g. to start a build of a notebook).
 */
export const IContainerizeModel = new Token<ContainerizeModel>(
  'jupyter-containerize:IContainerizeModel',
  'The state of the Containerize panel: analysis and build of the current notebook.'
);

import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal, refreshIcon } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import type { ContainerizeModel } from '../model';
import { BuildSection } from './build';
import { EnvironmentSection } from './environment';
import { HistorySection } from './history';
import { ImageSection } from './image';
import { PackagesSection } from './packages';

/** The display name of a notebook's kernel, when the notebook is open. */
export type KernelLookup = (path: string) => string | null;

/**
 * The right sidebar panel: it renders the model and calls its actions, nothing more.
 */
export class ContainerizePanel extends ReactWidget {
  constructor(
    readonly model: ContainerizeModel,
    private readonly _trans: TranslationBundle,
    private readonly _kernelOf: KernelLookup = () => null,
    private readonly _onSchedule?: () => void
  ) {
    super();
    this.addClass('jp-containerize-panel');
  }

  /** Emitted each time the panel becomes visible (its sidebar tab is opened). */
  get shown(): ISignal<this, void> {
    return this._shown;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._shown.emit();
  }

  private _shown = new Signal<this, void>(this);

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <PanelView
            model={this.model}
            trans={this._trans}
            kernel={this.model.path ? this._kernelOf(this.model.path) : null}
            onSchedule={this._onSchedule}
          />
        )}
      </UseSignal>
    );
  }
}

function PanelView({
  model,
  trans,
  kernel,
  onSchedule
}: {
  model: ContainerizeModel;
  trans: TranslationBundle;
  kernel: string | null;
  onSchedule?: () => void;
}): JSX.Element {
  if (!model.path) {
    return (
      <div className="jp-containerize-body">
        <h2 className="jp-containerize-title">{trans.__('Containerize')}</h2>
        <p
          className="jp-containerize-empty"
          data-testid="jp-containerize-no-notebook"
        >
          {trans.__(
            'Open a notebook, or select one in the file browser, to build a container image of it.'
          )}
        </p>
      </div>
    );
  }
  const analysis = model.analysis;
  return (
    <div className="jp-containerize-body" data-testid="jp-containerize-body">
      <header className="jp-containerize-header">
        <h2
          className="jp-containerize-title"
          title={model.path}
          data-testid="jp-containerize-notebook"
        >
          {model.path.split('/').pop()}
        </h2>
        <button
          className="jp-containerize-icon-button"
          title={trans.__('Analyse the notebook again')}
          aria-label={trans.__('Analyse the notebook again')}
          data-testid="jp-containerize-refresh"
          disabled={model.analysisLoading}
          onClick={() => void model.refreshAnalysis()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </header>
      {model.analysisLoading && !analysis && (
        <p
          className="jp-containerize-loading"
          data-testid="jp-containerize-loading"
          role="status"
        >
          {trans.__('Analysing the notebook…')}
        </p>
      )}
      {model.analysisError && (
        <p
          className="jp-containerize-error-message"
          role="alert"
          data-testid="jp-containerize-analysis-error"
        >
          {model.analysisError}
        </p>
      )}
      {analysis && (
        <EnvironmentSection model={model} trans={trans} kernel={kernel} />
      )}
      {analysis && <PackagesSection model={model} trans={trans} />}
      {analysis && <ImageSection model={model} trans={trans} />}
      <BuildSection model={model} trans={trans} onSchedule={onSchedule} />
      <HistorySection model={model} trans={trans} />
    </div>
  );
}

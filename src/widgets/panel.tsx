import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal, refreshIcon } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import type { ContainerizeModel } from '../model';
import { BuildSection } from './build';
import { EnvironmentSection, PackagesSection } from './environment';
import { HistorySection } from './history';

/**
 * The right sidebar panel: it renders the model and calls its actions, nothing more.
 */
export class ContainerizePanel extends ReactWidget {
  constructor(
    readonly model: ContainerizeModel,
    private readonly _trans: TranslationBundle
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
        {() => <PanelView model={this.model} trans={this._trans} />}
      </UseSignal>
    );
  }
}

function PanelView({
  model,
  trans
}: {
  model: ContainerizeModel;
  trans: TranslationBundle;
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
      {analysis && <EnvironmentSection analysis={analysis} trans={trans} />}
      {analysis && <PackagesSection analysis={analysis} trans={trans} />}
      <BuildSection model={model} trans={trans} />
      <HistorySection model={model} trans={trans} />
    </div>
  );
}

import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal, refreshIcon } from '@jupyterlab/ui-components';
import { ISignal, Signal } from '@lumino/signaling';
import type { Message } from '@lumino/messaging';
import * as React from 'react';

import type { ContainerizeModel } from '../model';
import { BuildSection } from './build';
import { EnvironmentSection } from './environment';
import { ActionsFooter } from './footer';
import { HistorySection } from './history';
import { ImageSection } from './image';
import { ImagesView } from './images';
import { PackagesSection } from './packages';
import { OpenRun, RunSection } from './run';
import { StaleNotice } from './stale';

/** The display name of a notebook's kernel, when the notebook is open. */
export type KernelLookup = (path: string) => string | null;

/** The panel's two views: the current notebook, and every image built here. */
export type PanelTab = 'notebook' | 'images';

/**
 * The right sidebar panel: it renders the model and calls its actions, nothing more.
 */
export class ContainerizePanel extends ReactWidget {
  constructor(
    readonly model: ContainerizeModel,
    private readonly _trans: TranslationBundle,
    private readonly _kernelOf: KernelLookup = () => null,
    private readonly _onSchedule?: () => void,
    private readonly _onOpenRun?: OpenRun
  ) {
    super();
    this.addClass('jp-containerize-panel');
  }

  /** Emitted each time the panel becomes visible (its sidebar tab is opened). */
  get shown(): ISignal<this, void> {
    return this._shown;
  }

  /** The view shown. */
  get tab(): PanelTab {
    return this._tab;
  }
  set tab(tab: PanelTab) {
    if (tab !== this._tab) {
      this._tab = tab;
      if (tab === 'images') {
        void this.model.images.refresh();
      }
      this.update();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._shown.emit();
  }

  private _shown = new Signal<this, void>(this);
  private _tab: PanelTab = 'notebook';

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <div className="jp-containerize-frame">
            <Tabs
              tab={this._tab}
              trans={this._trans}
              onChange={tab => (this.tab = tab)}
            />
            {this._tab === 'images' ? (
              <div
                className="jp-containerize-body"
                id="jp-containerize-tabpanel-images"
                role="tabpanel"
                aria-labelledby="jp-containerize-tab-images"
              >
                <ImagesView images={this.model.images} trans={this._trans} />
              </div>
            ) : (
              <PanelView
                model={this.model}
                trans={this._trans}
                kernel={
                  this.model.path ? this._kernelOf(this.model.path) : null
                }
                onSchedule={this._onSchedule}
                onOpenRun={this._onOpenRun}
              />
            )}
          </div>
        )}
      </UseSignal>
    );
  }
}

function Tabs({
  tab,
  trans,
  onChange
}: {
  tab: PanelTab;
  trans: TranslationBundle;
  onChange: (tab: PanelTab) => void;
}): JSX.Element {
  const tabs: [PanelTab, string][] = [
    ['notebook', trans.__('Notebook')],
    ['images', trans.__('Images')]
  ];
  const onKey = (event: React.KeyboardEvent) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      onChange(tab === 'notebook' ? 'images' : 'notebook');
      event.preventDefault();
    }
  };
  return (
    <div
      className="jp-containerize-tabs"
      role="tablist"
      aria-label={trans.__('Containerize views')}
      onKeyDown={onKey}
    >
      {tabs.map(([id, label]) => (
        <button
          key={id}
          id={`jp-containerize-tab-${id}`}
          className={`jp-containerize-tab${tab === id ? ' jp-mod-current' : ''}`}
          role="tab"
          aria-selected={tab === id}
          aria-controls={`jp-containerize-tabpanel-${id}`}
          data-testid={`jp-containerize-tab-${id}`}
          onClick={() => onChange(id)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

function PanelView({
  model,
  trans,
  kernel,
  onSchedule,
  onOpenRun
}: {
  model: ContainerizeModel;
  trans: TranslationBundle;
  kernel: string | null;
  onSchedule?: () => void;
  onOpenRun?: OpenRun;
}): JSX.Element {
  if (!model.path) {
    return (
      <div
        className="jp-containerize-body"
        id="jp-containerize-tabpanel-notebook"
        role="tabpanel"
        aria-labelledby="jp-containerize-tab-notebook"
      >
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
    <>
      <div
        className="jp-containerize-body"
        data-testid="jp-containerize-body"
        id="jp-containerize-tabpanel-notebook"
        role="tabpanel"
        aria-labelledby="jp-containerize-tab-notebook"
      >
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
            onClick={() => {
              void model.refreshAnalysis();
              void model.refreshStale();
            }}
          >
            <refreshIcon.react tag="span" />
          </button>
        </header>
        <StaleNotice model={model} trans={trans} />
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
        <RunSection model={model} trans={trans} onOpen={onOpenRun} />
        <HistorySection model={model} trans={trans} />
      </div>
      <ActionsFooter model={model} trans={trans} />
    </>
  );
}

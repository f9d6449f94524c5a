import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { BuildJob } from '../api';
import type { ContainerizeModel } from '../model';
import { LongValue } from './long';
import { CopyLine } from './result';

/**
 * What a teammate needs to run the built image: after a push, the digest-pinned reference and
 * the lines to copy (with the run form's parameters) and a Kubernetes CronJob for a cron;
 * before, what sharing takes.
 */
export function ShareSection({
  model,
  job,
  trans
}: {
  model: ContainerizeModel;
  job: BuildJob;
  trans: TranslationBundle;
}): JSX.Element {
  const sharing = model.sharing;
  const result = job.result!;
  const pushed = !!result.digest;
  const values = model.runs.values;
  const valuesKey = JSON.stringify(values);
  React.useEffect(() => {
    void sharing.update(job.id, pushed, values);
  }, [job.id, pushed, valuesKey, sharing.cron]);

  if (!pushed) {
    return <ShareNeeds model={model} job={job} trans={trans} />;
  }
  const share = sharing.share;
  return (
    <ShareFrame testId="jp-containerize-share" trans={trans}>
      <p className="jp-containerize-help">
        {trans.__(
          'What a teammate needs: the image pinned by its digest, and the run with the parameters above.'
        )}
      </p>
      {share && (
        <>
          <div
            className="jp-containerize-run"
            data-testid="jp-containerize-copyline-reference"
          >
            <span className="jp-containerize-help">
              {trans.__('The image, pinned by its digest')}
            </span>
            <LongValue
              text={share.reference}
              trans={trans}
              testid="jp-containerize-share-reference"
            />
          </div>
          <CopyLine
            id="share-pull"
            text={share.pull}
            label={trans.__('Get it')}
            trans={trans}
          />
          <CopyLine
            id="share-docker"
            text={share.docker_run}
            label={trans.__('Run it with Docker, outputs in ./out')}
            trans={trans}
          />
          <CopyLine
            id="share-containerize"
            text={share.containerize_run}
            label={trans.__('Run it with jupyter-containerize')}
            trans={trans}
          />
        </>
      )}
      <div className="jp-containerize-field">
        <label htmlFor="jp-containerize-cron">
          {trans.__('Schedule on Kubernetes (cron)')}
        </label>
        <input
          id="jp-containerize-cron"
          className="jp-containerize-input jp-containerize-mono"
          data-testid="jp-containerize-cron"
          value={sharing.cron}
          placeholder="0 6 * * 1-5"
          aria-describedby="jp-containerize-cron-help"
          aria-invalid={!!sharing.error}
          spellCheck={false}
          onChange={event => sharing.setCron(event.target.value)}
        />
        <div
          id="jp-containerize-cron-help"
          className={
            sharing.error
              ? 'jp-containerize-field-problem'
              : 'jp-containerize-help'
          }
          role={sharing.error ? 'alert' : undefined}
          data-testid={
            sharing.error ? 'jp-containerize-share-error' : undefined
          }
        >
          {sharing.error ??
            trans.__(
              'Five fields (minute hour day month weekday) or @daily; a CronJob to copy appears.'
            )}
        </div>
      </div>
      {share?.cronjob && (
        <CopyLine
          id="share-cronjob"
          text={share.cronjob}
          label={trans.__('Kubernetes CronJob (kubectl apply -f)')}
          trans={trans}
        />
      )}
    </ShareFrame>
  );
}

/** Before a push: what sharing takes, and the Push button when a registry is set. */
function ShareNeeds({
  model,
  job,
  trans
}: {
  model: ContainerizeModel;
  job: BuildJob;
  trans: TranslationBundle;
}): JSX.Element {
  const tag = job.result!.tag;
  const registry =
    tag.includes('/') && /[.:]|^localhost\//.test(tag.split('/')[0]);
  return (
    <ShareFrame testId="jp-containerize-share-needs" trans={trans}>
      {registry ? (
        <>
          <p className="jp-containerize-help">
            {trans.__(
              'To share the image, push it to its registry; the reference a teammate can pull appears here.'
            )}
          </p>
          <div className="jp-containerize-actions">
            <button
              className="jp-mod-styled"
              data-testid="jp-containerize-push-button"
              disabled={model.building || model.sharing.pushing}
              onClick={() => void model.push()}
            >
              {trans.__('Push %1', tag)}
            </button>
          </div>
        </>
      ) : (
        <p className="jp-containerize-help">
          {trans.__(
            'Sharing needs a registry a teammate can pull from: set one in Settings › Containerize › Registry (e.g. ghcr.io/you) or in the Registry field above, then build with “Push to the registry”.'
          )}
        </p>
      )}
      {model.sharing.error && (
        <p className="jp-containerize-error-message" role="alert">
          {model.sharing.error}
        </p>
      )}
    </ShareFrame>
  );
}

/** The Share box's frame: its section and heading. */
function ShareFrame({
  testId,
  trans,
  children
}: {
  testId: string;
  trans: TranslationBundle;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <section
      className="jp-containerize-section jp-containerize-share"
      aria-labelledby="jp-containerize-share-heading"
      data-testid={testId}
    >
      <h3
        className="jp-containerize-heading"
        id="jp-containerize-share-heading"
      >
        {trans.__('Share')}
      </h3>
      {children}
    </section>
  );
}

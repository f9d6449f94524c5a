import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { PLATFORMS } from '../draft';
import type { ContainerizeModel } from '../model';
import { LongValue } from './long';

export interface IEnvironmentProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
  /** The display name of the notebook's kernel, when the notebook is open. */
  kernel: string | null;
}

/** The kernel, its Python, the target platform and the analysis' warnings. */
export function EnvironmentSection({
  model,
  trans,
  kernel
}: IEnvironmentProps): JSX.Element | null {
  const analysis = model.analysis;
  if (!analysis) {
    return null;
  }
  const warnings = analysis.warnings ?? [];
  return (
    <section
      className="jp-containerize-section jp-containerize-environment"
      aria-labelledby="jp-containerize-environment-heading"
    >
      <h3
        className="jp-containerize-heading"
        id="jp-containerize-environment-heading"
      >
        {trans.__('Environment')}
      </h3>
      <dl className="jp-containerize-facts">
        <dt>{trans.__('Kernel')}</dt>
        <dd data-testid="jp-containerize-kernel">
          {kernel ?? analysis.kernel ?? trans.__("the notebook's kernel")}
        </dd>
        <dt>{trans.__('Python')}</dt>
        <dd data-testid="jp-containerize-python">{analysis.python.version}</dd>
        <dt>{trans.__('Interpreter')}</dt>
        <dd data-testid="jp-containerize-interpreter">
          <LongValue text={analysis.python.executable} trans={trans} />
        </dd>
        <dt>
          <label htmlFor="jp-containerize-platform">
            {trans.__('Platform')}
          </label>
        </dt>
        <dd>
          <select
            id="jp-containerize-platform"
            className="jp-containerize-select"
            data-testid="jp-containerize-platform"
            value={model.fields.platform}
            title={trans.__(
              'The CPU architecture of the machines that will run the image'
            )}
            onChange={event => model.setOption('platform', event.target.value)}
          >
            {PLATFORMS.map(platform => (
              <option key={platform} value={platform}>
                {platform === 'linux/amd64'
                  ? trans.__('linux/amd64 (Intel, AMD)')
                  : trans.__('linux/arm64 (ARM, Apple silicon)')}
              </option>
            ))}
          </select>
        </dd>
      </dl>
      {warnings.length > 0 && (
        <ul
          className="jp-containerize-warnings"
          data-testid="jp-containerize-warnings"
          aria-label={trans.__('Warnings of the analysis')}
        >
          {warnings.map((warning, i) => (
            <li key={i}>{warning}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

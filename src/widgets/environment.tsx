import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { Analysis } from '../api';

export interface IAnalysisProps {
  analysis: Analysis;
  trans: TranslationBundle;
}

/** Python version and interpreter of the notebook's kernel. */
export function EnvironmentSection({
  analysis,
  trans
}: IAnalysisProps): JSX.Element {
  return (
    <section className="jp-containerize-section jp-containerize-environment">
      <h3 className="jp-containerize-heading">{trans.__('Environment')}</h3>
      <dl className="jp-containerize-facts">
        <dt>{trans.__('Python')}</dt>
        <dd data-testid="jp-containerize-python">{analysis.python.version}</dd>
        <dt>{trans.__('Interpreter')}</dt>
        <dd
          className="jp-containerize-mono jp-containerize-ellipsis"
          title={analysis.python.executable}
        >
          {analysis.python.executable}
        </dd>
      </dl>
      {(analysis.warnings ?? []).length > 0 && (
        <ul
          className="jp-containerize-warnings"
          data-testid="jp-containerize-warnings"
        >
          {analysis.warnings!.map((warning, i) => (
            <li key={i}>{warning}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The packages the image will install, pinned to the kernel's versions. */
export function PackagesSection({
  analysis,
  trans
}: IAnalysisProps): JSX.Element {
  const requirements = analysis.requirements ?? [];
  const system = analysis.system_packages ?? [];
  return (
    <section className="jp-containerize-section jp-containerize-packages">
      <h3 className="jp-containerize-heading">
        {trans.__('Packages')}{' '}
        <span
          className="jp-containerize-count"
          data-testid="jp-containerize-package-count"
        >
          {requirements.length}
        </span>
      </h3>
      {requirements.length === 0 ? (
        <p className="jp-containerize-empty">
          {trans.__('The notebook imports no third-party package.')}
        </p>
      ) : (
        <table
          className="jp-containerize-table"
          data-testid="jp-containerize-packages"
        >
          <thead>
            <tr>
              <th>{trans.__('Name')}</th>
              <th>{trans.__('Version')}</th>
              <th>{trans.__('Source')}</th>
            </tr>
          </thead>
          <tbody>
            {requirements.map(req => (
              <tr
                key={req.name}
                className="jp-containerize-package-row"
                data-testid="jp-containerize-package-row"
                data-package={req.name}
                title={(req.reasons ?? []).join('\n')}
              >
                <td className="jp-containerize-package-name">
                  {req.name}
                  {req.optional && (
                    <span className="jp-containerize-badge">
                      {trans.__('optional')}
                    </span>
                  )}
                  {(req.reasons ?? []).length > 0 && (
                    <div className="jp-containerize-reasons">
                      {req.reasons!.join('; ')}
                    </div>
                  )}
                </td>
                <td className="jp-containerize-mono">
                  {req.version ?? req.specifier ?? (
                    <span className="jp-containerize-missing">
                      {trans.__('not installed')}
                    </span>
                  )}
                </td>
                <td>{req.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {system.length > 0 && (
        <p
          className="jp-containerize-system"
          data-testid="jp-containerize-system-packages"
        >
          {trans.__('System packages:')}{' '}
          {system.map(pkg => (
            <code key={pkg.name} title={(pkg.reasons ?? []).join('\n')}>
              {pkg.name}
            </code>
          ))}
        </p>
      )}
    </section>
  );
}

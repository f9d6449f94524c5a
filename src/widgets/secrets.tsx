import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ISecretRow } from '../draft';
import type { ContainerizeModel } from '../model';

export interface ISecretsProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
}

/** Where a possible secret is, e.g. "Possible secret: AWS Access Key, cell 3 line 2". */
export function secretText(row: ISecretRow, trans: TranslationBundle): string {
  const kinds = row.kinds.join(', ');
  if (row.cell === null) {
    return trans.__(
      'Possible secret: %1, %2 line %3',
      kinds,
      row.path,
      row.line
    );
  }
  return row.output
    ? trans.__(
        'Possible secret: %1, output of cell %2 line %3',
        kinds,
        row.cell,
        row.line
      )
    : trans.__(
        'Possible secret: %1, cell %2 line %3',
        kinds,
        row.cell,
        row.line
      );
}

/**
 * The possible secrets the analysis found in what the image ships: each with the checkbox of
 * its file (a local module or data file can be left out), and "Include anyway" for the rest.
 */
export function SecretsList({
  model,
  trans
}: ISecretsProps): JSX.Element | null {
  const rows = model.secrets;
  if (rows.length === 0) {
    return null;
  }
  const disabled = model.building;
  const pending = model.secretsPending;
  return (
    <div
      className={`jp-containerize-secrets${pending && !model.secretsAllowed ? ' jp-mod-blocking' : ''}`}
      data-testid="jp-containerize-secrets"
    >
      <p className="jp-containerize-subheading">
        {trans.__('Possible secrets in the image')}
      </p>
      <p className="jp-containerize-note">
        {trans.__(
          'Anyone with the image can read them. Read them from the environment instead, leave their file out, or include them anyway.'
        )}
      </p>
      <ul className="jp-containerize-secret-list">
        {rows.map(row => (
          <li
            key={`${row.path}|${row.cell}|${row.output}|${row.line}`}
            className={`jp-containerize-secret${row.excluded ? ' jp-mod-excluded' : ''}`}
            data-testid="jp-containerize-secret"
            data-excluded={row.excluded}
          >
            <span className="jp-containerize-secret-place">
              {secretText(row, trans)}
            </span>
            {row.file && (
              <label
                className="jp-containerize-secret-file"
                title={trans.__('Copy %1 into the image', row.file)}
              >
                <input
                  type="checkbox"
                  checked={!row.excluded}
                  disabled={disabled}
                  aria-label={trans.__('Copy %1 into the image', row.file)}
                  onChange={event =>
                    model.setFileIncluded(row.file!, event.target.checked)
                  }
                />
                <span className="jp-containerize-mono">{row.file}</span>
              </label>
            )}
          </li>
        ))}
      </ul>
      {pending && (
        <label
          className="jp-containerize-allow-secrets"
          title={trans.__('Build the image with these possible secrets in it')}
        >
          <input
            type="checkbox"
            data-testid="jp-containerize-allow-secrets"
            checked={model.secretsAllowed}
            disabled={disabled}
            onChange={event => model.setSecretsAllowed(event.target.checked)}
          />
          {trans.__('Include anyway')}
        </label>
      )}
    </div>
  );
}

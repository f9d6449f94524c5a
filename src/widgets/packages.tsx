import type { TranslationBundle } from '@jupyterlab/translation';
import { addIcon, closeIcon, undoIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { FieldProblem, IPackageRow } from '../draft';
import { editCount, fileRows, packageRows } from '../draft';
import type { ContainerizeModel } from '../model';
import { humanSize } from './format';
import { problemText, sourceHelp, sourceLabel } from './problems';
import { SecretsList } from './secrets';

export interface IPackagesProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
}

/**
 * The packages the image installs: why each is there, where its version comes from, and the
 * user's edits (add, change a version, remove and undo, mark optional) for the next build.
 */
export function PackagesSection({ model, trans }: IPackagesProps): JSX.Element {
  const analysis = model.analysis;
  const rows = packageRows(analysis, model.draft);
  const edits = editCount(model.draft);
  const system = analysis?.system_packages ?? [];
  return (
    <section
      className="jp-containerize-section jp-containerize-packages"
      aria-labelledby="jp-containerize-packages-heading"
    >
      <h3
        className="jp-containerize-heading"
        id="jp-containerize-packages-heading"
      >
        {trans.__('Packages')}{' '}
        <span
          className="jp-containerize-count"
          data-testid="jp-containerize-package-count"
        >
          {rows.filter(row => row.status !== 'removed').length}
        </span>
        {edits > 0 && (
          <button
            className="jp-containerize-link jp-containerize-reset"
            data-testid="jp-containerize-reset-edits"
            onClick={() => model.resetDraft()}
            title={trans.__('Forget your changes to the packages and image')}
          >
            {trans._n('%1 change · reset', '%1 changes · reset', edits)}
          </button>
        )}
      </h3>
      {rows.length === 0 ? (
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
              <th scope="col">{trans.__('Name')}</th>
              <th scope="col">{trans.__('Version')}</th>
              <th scope="col">
                <span className="jp-containerize-sr-only">
                  {trans.__('Actions')}
                </span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <PackageRow
                key={row.name}
                row={row}
                model={model}
                trans={trans}
              />
            ))}
          </tbody>
        </table>
      )}
      <AddPackage model={model} trans={trans} />
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
      <FilesList model={model} trans={trans} />
      <SecretsList model={model} trans={trans} />
    </section>
  );
}

function rowNote(row: IPackageRow, trans: TranslationBundle): string | null {
  if (row.status === 'added' || row.status === 'removed') {
    return null;
  }
  if (row.guess) {
    return trans.__(
      'Guessed from the import name and not in the kernel: check the name.'
    );
  }
  if (row.unresolved) {
    return row.optional
      ? trans.__('Not in the kernel and optional: left out of the image.')
      : trans.__(
          'Not in the kernel: the newest version for the target is installed.'
        );
  }
  return null;
}

function PackageRow({
  row,
  model,
  trans
}: {
  row: IPackageRow;
  model: ContainerizeModel;
  trans: TranslationBundle;
}): JSX.Element {
  const removed = row.status === 'removed';
  const note = rowNote(row, trans);
  const reasons =
    row.status === 'added' ? [trans.__('added by you')] : row.reasons;
  const versionId = `jp-containerize-version-${row.name}`;
  const placeholder = row.kernelVersion ?? row.specifier ?? trans.__('newest');
  const classes = [
    'jp-containerize-package-row',
    `jp-mod-${row.status}`,
    row.unresolved ? 'jp-mod-unresolved' : '',
    row.guess ? 'jp-mod-guess' : ''
  ].join(' ');
  return (
    <tr
      className={classes}
      data-testid="jp-containerize-package-row"
      data-package={row.name}
      data-status={row.status}
    >
      <td className="jp-containerize-package-name">
        <span className="jp-containerize-package-label">{row.name}</span>{' '}
        <span
          className={`jp-containerize-source jp-containerize-source-${row.source}`}
          data-testid="jp-containerize-source"
          title={sourceHelp(row.source, trans)}
        >
          {sourceLabel(row.source, trans)}
        </span>
        {row.optional && (
          <span className="jp-containerize-badge">{trans.__('optional')}</span>
        )}
        {reasons.length > 0 && (
          <div className="jp-containerize-reasons">{reasons.join('; ')}</div>
        )}
        {note && (
          <div
            className="jp-containerize-row-note"
            data-testid="jp-containerize-package-note"
          >
            {note}
          </div>
        )}
        {row.problem && !removed && (
          <div className="jp-containerize-field-problem" role="alert">
            {problemText(row.problem, trans)}
          </div>
        )}
      </td>
      <td>
        <input
          id={versionId}
          className={`jp-containerize-input jp-containerize-version${row.problem && !removed ? ' jp-mod-invalid' : ''}`}
          data-testid="jp-containerize-version-input"
          aria-label={trans.__('Version of %1', row.name)}
          aria-invalid={!!row.problem && !removed}
          title={
            row.kernelVersion
              ? trans.__(
                  'The kernel has %1. Type another version to pin it.',
                  row.kernelVersion
                )
              : trans.__('Type a version to pin it.')
          }
          placeholder={placeholder}
          value={row.pin}
          disabled={removed}
          onChange={event => model.setVersion(row.name, event.target.value)}
          spellCheck={false}
        />
      </td>
      <td className="jp-containerize-row-actions">
        {row.status !== 'added' && (
          <label
            className="jp-containerize-optional"
            title={trans.__(
              'Optional: left out of the image when the kernel lacks it'
            )}
          >
            <input
              type="checkbox"
              data-testid="jp-containerize-optional"
              checked={row.optional}
              disabled={removed || !row.unresolved}
              aria-label={trans.__('%1 is optional', row.name)}
              onChange={event =>
                model.setOptional(row.name, event.target.checked)
              }
            />
            <span className="jp-containerize-sr-only">
              {trans.__('optional')}
            </span>
          </label>
        )}
        {removed ? (
          <button
            className="jp-containerize-icon-button"
            data-testid="jp-containerize-restore"
            aria-label={trans.__('Put %1 back', row.name)}
            title={trans.__('Undo: put %1 back', row.name)}
            onClick={() => model.restorePackage(row.name)}
          >
            <undoIcon.react tag="span" />
          </button>
        ) : (
          <button
            className="jp-containerize-icon-button"
            data-testid="jp-containerize-remove"
            aria-label={trans.__('Remove %1', row.name)}
            title={trans.__('Leave %1 out of the image', row.name)}
            onClick={() => model.removePackage(row.name)}
          >
            <closeIcon.react tag="span" />
          </button>
        )}
      </td>
    </tr>
  );
}

/** The form that adds a package: name and optional version. */
function AddPackage({ model, trans }: IPackagesProps): JSX.Element {
  const [name, setName] = React.useState('');
  const [version, setVersion] = React.useState('');
  const [problem, setProblem] = React.useState<FieldProblem | null>(null);
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const found = model.addPackage(name, version);
    setProblem(found);
    if (!found) {
      setName('');
      setVersion('');
    }
  };
  return (
    <form
      className="jp-containerize-add"
      data-testid="jp-containerize-add-form"
      onSubmit={submit}
      aria-label={trans.__('Add a package')}
    >
      <input
        className={`jp-containerize-input${problem ? ' jp-mod-invalid' : ''}`}
        data-testid="jp-containerize-add-name"
        aria-label={trans.__('Name of the package to add')}
        placeholder={trans.__('Add a package…')}
        value={name}
        onChange={event => {
          setName(event.target.value);
          setProblem(null);
        }}
        spellCheck={false}
      />
      <input
        className="jp-containerize-input jp-containerize-version"
        data-testid="jp-containerize-add-version"
        aria-label={trans.__('Version of the package to add (optional)')}
        placeholder={trans.__('version')}
        value={version}
        onChange={event => {
          setVersion(event.target.value);
          setProblem(null);
        }}
        spellCheck={false}
      />
      <button
        type="submit"
        className="jp-containerize-icon-button"
        data-testid="jp-containerize-add-button"
        aria-label={trans.__('Add the package')}
        title={trans.__('Add the package to the next build')}
      >
        <addIcon.react tag="span" />
      </button>
      {problem && (
        <div
          className="jp-containerize-field-problem"
          role="alert"
          data-testid="jp-containerize-add-problem"
        >
          {problemText(problem, trans)}
        </div>
      )}
    </form>
  );
}

/** Local modules and data files copied next to the notebook in the image, each with a checkbox. */
function FilesList({ model, trans }: IPackagesProps): JSX.Element | null {
  const files = fileRows(model.analysis, model.draft);
  if (files.length === 0) {
    return null;
  }
  const disabled = model.building;
  return (
    <fieldset
      className="jp-containerize-files"
      data-testid="jp-containerize-files"
    >
      <legend className="jp-containerize-subheading">
        {trans.__('Files copied into the image')}
      </legend>
      {files.map(file => (
        <label
          key={file.path}
          className={`jp-containerize-file${file.included ? '' : ' jp-mod-excluded'}`}
          data-testid="jp-containerize-file"
          data-file={file.path}
          data-included={file.included}
          title={
            file.included
              ? trans.__('Copied into the image next to the notebook')
              : trans.__('Left out of the image')
          }
        >
          <input
            type="checkbox"
            checked={file.included}
            disabled={disabled}
            aria-label={trans.__('Copy %1 into the image', file.path)}
            onChange={event =>
              model.setFileIncluded(file.path, event.target.checked)
            }
          />
          <span className="jp-containerize-mono jp-containerize-ellipsis">
            {file.path}
          </span>
          <span
            className="jp-containerize-time"
            data-testid="jp-containerize-file-size"
          >
            {file.kind === 'module'
              ? file.size === null
                ? trans.__('module')
                : trans.__('module, %1', humanSize(file.size))
              : humanSize(file.size ?? 0)}
          </span>
          {file.large && (
            <span className="jp-containerize-badge jp-mod-warn">
              {trans.__('large')}
            </span>
          )}
        </label>
      ))}
    </fieldset>
  );
}

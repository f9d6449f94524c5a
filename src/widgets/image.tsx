import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { FieldProblem } from '../draft';
import type { ContainerizeModel } from '../model';
import { problemText } from './problems';

export interface IImageProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
}

/** Base image, tag, registry, push and verify of the next build. */
export function ImageSection({ model, trans }: IImageProps): JSX.Element {
  const fields = model.fields;
  const { problems } = model.request;
  const disabled = model.building;
  return (
    <section
      className="jp-containerize-section jp-containerize-image"
      aria-labelledby="jp-containerize-image-heading"
    >
      <h3
        className="jp-containerize-heading"
        id="jp-containerize-image-heading"
      >
        {trans.__('Image')}
      </h3>
      <div className="jp-containerize-form">
        <TextField
          id="jp-containerize-base-image"
          label={trans.__('Base image')}
          value={fields.baseImage}
          placeholder={model.defaultBaseImage}
          help={trans.__(
            "The image to build FROM. Empty: the server's default for the kernel's Python."
          )}
          problem={problems.baseImage}
          disabled={disabled}
          onChange={value => model.setOption('baseImage', value)}
          trans={trans}
        />
        <TextField
          id="jp-containerize-tag"
          label={trans.__('Tag')}
          value={fields.tag}
          help={trans.__(
            "name:tag of the image; {lock} is the lock's hash, filled in by the server."
          )}
          problem={problems.tag}
          disabled={disabled}
          onChange={value => model.setOption('tag', value)}
          trans={trans}
        />
        <TextField
          id="jp-containerize-registry"
          label={trans.__('Registry')}
          value={fields.registry}
          placeholder={trans.__('none (a local image)')}
          help={trans.__(
            'Registry host and namespace prefixed to the tag, e.g. localhost:5000/team.'
          )}
          problem={problems.registry}
          disabled={disabled}
          onChange={value => model.setOption('registry', value)}
          trans={trans}
        />
      </div>
      {model.info && (
        <p
          className="jp-containerize-help"
          data-testid="jp-containerize-concurrency"
        >
          {trans._n(
            'This server builds %1 image at a time; other builds wait in a queue.',
            'This server builds up to %1 images at a time; other builds wait in a queue.',
            model.info.max_concurrent_builds ?? 1
          )}
        </p>
      )}
      <div className="jp-containerize-form">
        <label htmlFor="jp-containerize-output">{trans.__('Made by')}</label>
        <select
          id="jp-containerize-output"
          className="jp-containerize-select"
          data-testid="jp-containerize-output"
          value={fields.output}
          disabled={disabled}
          title={trans.__(
            'Who makes the image: the container engine, or this server without one (pushed to the registry, or written as an archive to download)'
          )}
          onChange={event => model.setOption('output', event.target.value)}
        >
          <option value="auto">
            {trans.__('Automatic: the engine, else the registry')}
          </option>
          <option value="engine">{trans.__('The container engine')}</option>
          <option value="registry">
            {trans.__('This server, pushed to the registry (no engine)')}
          </option>
          <option value="archive">
            {trans.__('This server, as an archive to download (no engine)')}
          </option>
        </select>
      </div>
      <div className="jp-containerize-checks">
        <label htmlFor="jp-containerize-push">
          <input
            id="jp-containerize-push"
            type="checkbox"
            data-testid="jp-containerize-push"
            checked={fields.push}
            disabled={disabled}
            onChange={event => model.setOption('push', event.target.checked)}
          />
          {trans.__('Push to the registry')}
        </label>
        <label
          htmlFor="jp-containerize-verify"
          title={trans.__(
            'Run the notebook headless in the new image before calling it built'
          )}
        >
          <input
            id="jp-containerize-verify"
            type="checkbox"
            data-testid="jp-containerize-verify"
            checked={fields.verify}
            disabled={disabled}
            onChange={event => model.setOption('verify', event.target.checked)}
          />
          {trans.__('Verify: run the notebook in the image')}
        </label>
      </div>
    </section>
  );
}

function TextField({
  id,
  label,
  value,
  placeholder,
  help,
  problem,
  disabled,
  onChange,
  trans
}: {
  id: string;
  label: string;
  value: string;
  placeholder?: string;
  help: string;
  problem: FieldProblem | null;
  disabled: boolean;
  onChange: (value: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const helpId = `${id}-help`;
  return (
    <div className="jp-containerize-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className={`jp-containerize-input jp-containerize-mono${problem ? ' jp-mod-invalid' : ''}`}
        data-testid={`${id}-input`}
        value={value}
        placeholder={placeholder}
        title={value || placeholder || help}
        aria-describedby={helpId}
        aria-invalid={!!problem}
        disabled={disabled}
        spellCheck={false}
        onChange={event => onChange(event.target.value)}
      />
      <div
        id={helpId}
        className={
          problem ? 'jp-containerize-field-problem' : 'jp-containerize-help'
        }
        role={problem ? 'alert' : undefined}
        data-testid={problem ? `${id}-problem` : undefined}
      >
        {problem ? problemText(problem, trans) : help}
      </div>
    </div>
  );
}

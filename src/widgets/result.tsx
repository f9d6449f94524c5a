import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { BuildError, BuildResult } from '../api';
import { humanDuration, humanSize, runCommand, shortId } from './format';

/** A built image: tag, id, size, duration, and how to run it. */
export function ResultView({
  result,
  trans
}: {
  result: BuildResult;
  trans: TranslationBundle;
}): JSX.Element {
  const command = runCommand(result.digest || result.tag);
  const [copied, setCopied] = React.useState(false);
  const copy = () => {
    Clipboard.copyToSystem(command);
    setCopied(true);
  };
  return (
    <section
      className="jp-containerize-section jp-containerize-result"
      data-testid="jp-containerize-result"
    >
      <h3 className="jp-containerize-heading">{trans.__('Image built')}</h3>
      <dl className="jp-containerize-facts">
        <dt>{trans.__('Tag')}</dt>
        <dd className="jp-containerize-mono" data-testid="jp-containerize-tag">
          {result.tag}
        </dd>
        <dt>{trans.__('Image')}</dt>
        <dd
          className="jp-containerize-mono"
          title={result.image_id}
          data-testid="jp-containerize-image-id"
        >
          {shortId(result.image_id)}
        </dd>
        <dt>{trans.__('Size')}</dt>
        <dd data-testid="jp-containerize-size">{humanSize(result.size)}</dd>
        <dt>{trans.__('Duration')}</dt>
        <dd data-testid="jp-containerize-duration">
          {humanDuration(result.duration_s)}
        </dd>
        {result.digest && (
          <>
            <dt>{trans.__('Pushed')}</dt>
            <dd className="jp-containerize-mono">{result.digest}</dd>
          </>
        )}
      </dl>
      <div className="jp-containerize-run">
        <code data-testid="jp-containerize-run-command">{command}</code>
        <button
          className="jp-containerize-icon-button"
          title={trans.__('Copy the command')}
          aria-label={trans.__('Copy the command')}
          data-testid="jp-containerize-copy"
          onClick={copy}
        >
          <copyIcon.react tag="span" />
          <span>{copied ? trans.__('Copied') : trans.__('Copy')}</span>
        </button>
      </div>
    </section>
  );
}

/** Why a build failed: the message and the last lines of its log. */
export function ErrorView({
  error,
  title,
  trans
}: {
  error: BuildError;
  title: string;
  trans: TranslationBundle;
}): JSX.Element {
  const tail = error.log_tail ?? [];
  return (
    <section
      className="jp-containerize-section jp-containerize-error"
      data-testid="jp-containerize-error"
      role="alert"
    >
      <h3 className="jp-containerize-heading">{title}</h3>
      <p
        className="jp-containerize-error-message"
        data-testid="jp-containerize-error-message"
      >
        {error.phase && <strong>{trans.__('%1 phase: ', error.phase)}</strong>}
        {error.message}
      </p>
      {tail.length > 0 && (
        <pre className="jp-containerize-error-tail">{tail.join('\n')}</pre>
      )}
    </section>
  );
}

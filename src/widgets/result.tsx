import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { archiveUrl } from '../api';
import type { BuildError, BuildResult } from '../api';
import {
  humanDuration,
  humanSize,
  pullCommand,
  runCommand,
  shortId
} from './format';
import { LongValue } from './long';
import { failureTitle, phaseLabel } from './stepper';

/** A built image: tag, digest, size, duration, and how to run, pull or name it. */
export function ResultView({
  result,
  jobId,
  trans,
  onSchedule
}: {
  result: BuildResult;
  /** The build's job, for the archive's download link. */
  jobId?: string;
  trans: TranslationBundle;
  /** Open jupyter-scheduler's Create Job form with this image (none: no button). */
  onSchedule?: () => void;
}): JSX.Element {
  const reference = result.digest || result.tag;
  return (
    <section
      className="jp-containerize-section jp-containerize-result"
      data-testid="jp-containerize-result"
      aria-labelledby="jp-containerize-result-heading"
    >
      <h3
        className="jp-containerize-heading"
        id="jp-containerize-result-heading"
      >
        {result.digest
          ? trans.__('Image built and pushed')
          : trans.__('Image built')}
      </h3>
      <dl className="jp-containerize-facts">
        <dt>{trans.__('Tag')}</dt>
        <dd data-testid="jp-containerize-tag">
          <LongValue text={result.tag} trans={trans} copy={false} />
        </dd>
        <dt>{trans.__('Image')}</dt>
        <dd
          className="jp-containerize-mono"
          title={result.image_id}
          data-testid="jp-containerize-image-id"
        >
          {shortId(result.image_id)}
        </dd>
        {result.digest && (
          <>
            <dt>{trans.__('Digest')}</dt>
            <dd data-testid="jp-containerize-digest">
              <LongValue text={result.digest} trans={trans} />
            </dd>
          </>
        )}
        <dt>{trans.__('Made by')}</dt>
        <dd
          data-testid="jp-containerize-made-by"
          data-output={result.output}
          title={result.output_reason}
        >
          {outputLabel(result.output ?? 'engine', trans)}
          {result.output_reason && (
            <span className="jp-containerize-help">
              {' '}
              ({result.output_reason})
            </span>
          )}
        </dd>
        {(result.platforms ?? []).length > 1 && (
          <>
            <dt>{trans.__('Platforms')}</dt>
            <dd data-testid="jp-containerize-platforms">
              {(result.platforms ?? []).join(', ')}
            </dd>
          </>
        )}
        <dt>{trans.__('Size')}</dt>
        <dd data-testid="jp-containerize-size">{humanSize(result.size)}</dd>
        <dt>{trans.__('Duration')}</dt>
        <dd data-testid="jp-containerize-duration">
          {humanDuration(result.duration_s)}
        </dd>
      </dl>
      {result.verified === false && (
        <p
          className="jp-containerize-help"
          data-testid="jp-containerize-unverified"
        >
          {trans.__(
            'Not verified: no container engine answers here. The image runs where images run (docker, podman, a cluster).'
          )}
        </p>
      )}
      {result.archive && jobId && (
        <p>
          <a
            className="jp-containerize-link"
            data-testid="jp-containerize-archive"
            href={archiveUrl(jobId)}
            download
          >
            {trans.__('Download the image (OCI archive)')}
          </a>{' '}
          <span className="jp-containerize-help">
            {trans.__('docker load -i FILE, podman load -i FILE')}
          </span>
        </p>
      )}
      <CopyLine
        id="run"
        text={runCommand(reference)}
        label={trans.__('Run the notebook, its outputs in ./out')}
        trans={trans}
      />
      {result.digest && (
        <CopyLine
          id="pull"
          text={pullCommand(result.digest)}
          label={trans.__('Get the image on another machine')}
          trans={trans}
        />
      )}
      <CopyLine
        id="tag"
        text={result.tag}
        label={trans.__('The image’s name')}
        trans={trans}
      />
      {onSchedule && (
        <div className="jp-containerize-actions">
          <button
            className="jp-mod-styled jp-containerize-schedule-button"
            data-testid="jp-containerize-schedule"
            title={trans.__(
              'Run the notebook in this image on a schedule, with jupyter-scheduler'
            )}
            onClick={onSchedule}
          >
            {trans.__('Schedule…')}
          </button>
        </div>
      )}
    </section>
  );
}

function outputLabel(output: string, trans: TranslationBundle): string {
  switch (output) {
    case 'registry':
      return trans.__('this server, pushed to the registry');
    case 'archive':
      return trans.__('this server, as an archive');
    default:
      return trans.__('the container engine');
  }
}

/** A command with a Copy button; the copied text is kept in `data-copied` (for tests). */
export function CopyLine({
  id,
  text,
  label,
  trans
}: {
  id: string;
  text: string;
  label: string;
  trans: TranslationBundle;
}): JSX.Element {
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => setCopied(false), [text]);
  const copy = () => {
    Clipboard.copyToSystem(text);
    setCopied(true);
  };
  const codeId = `jp-containerize-${id}-command`;
  return (
    <div
      className="jp-containerize-run"
      data-testid={`jp-containerize-copyline-${id}`}
    >
      <span className="jp-containerize-help">{label}</span>
      <code id={codeId} data-testid={codeId}>
        {text}
      </code>
      <button
        className="jp-containerize-icon-button"
        title={trans.__('Copy to the clipboard')}
        aria-label={trans.__('Copy: %1', text)}
        aria-describedby={codeId}
        data-testid={`jp-containerize-copy-${id}`}
        data-copied={copied ? text : undefined}
        onClick={copy}
      >
        <copyIcon.react tag="span" />
        <span aria-live="polite">
          {copied ? trans.__('Copied') : trans.__('Copy')}
        </span>
      </button>
    </div>
  );
}

/** Why a build failed: the phase, the message and the last lines of its log. */
export function ErrorView({
  error,
  state,
  trans
}: {
  error: BuildError;
  state: string;
  trans: TranslationBundle;
}): JSX.Element {
  const tail = error.log_tail ?? [];
  const cancelled = state === 'cancelled';
  return (
    <section
      className={`jp-containerize-section jp-containerize-error${cancelled ? ' jp-mod-cancelled' : ''}`}
      data-testid="jp-containerize-error"
      data-state={state}
      role={cancelled ? 'status' : 'alert'}
    >
      <h3 className="jp-containerize-heading">{failureTitle(state, trans)}</h3>
      {error.phase && (
        <p data-testid="jp-containerize-error-phase" data-phase={error.phase}>
          {cancelled
            ? trans.__('Stopped while: %1', phaseLabel(error.phase, trans))
            : trans.__('Failed while: %1', phaseLabel(error.phase, trans))}
        </p>
      )}
      <p
        className="jp-containerize-error-message"
        data-testid="jp-containerize-error-message"
      >
        {error.message}
      </p>
      {tail.length > 0 && (
        <details open={!cancelled}>
          <summary>{trans.__('Last %1 lines of the log', tail.length)}</summary>
          <pre
            className="jp-containerize-error-tail"
            data-testid="jp-containerize-error-tail"
          >
            {tail.join('\n')}
          </pre>
        </details>
      )}
    </section>
  );
}

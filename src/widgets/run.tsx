import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { isActive } from '../api';
import type { RunJob } from '../api';
import type { ContainerizeModel } from '../model';
import type { IParameterField, ParameterProblem } from '../parameters';
import type { RunBlocker } from '../runs';
import { humanDuration, runCommand } from './format';
import { LogView } from './log';
import { LongValue } from './long';
import { CopyLine } from './result';

/** Open an executed notebook (at its failing cell). */
export type OpenRun = (path: string, failedCell: number | null) => void;

export interface IRunProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
  onOpen?: OpenRun;
}

/** The image to run, its parameters form, the run's progress and its outcome. */
export function RunSection({ model, trans, onOpen }: IRunProps): JSX.Element {
  const runs = model.runs;
  const image = runs.image;
  const job = runs.job;
  return (
    <section
      className="jp-containerize-section jp-containerize-runs"
      aria-labelledby="jp-containerize-run-heading"
      data-testid="jp-containerize-run-section"
      data-state={job?.state ?? 'idle'}
    >
      <h3 className="jp-containerize-heading" id="jp-containerize-run-heading">
        {trans.__('Run')}
      </h3>
      {!image ? (
        <p
          className="jp-containerize-note"
          data-testid="jp-containerize-run-no-image"
        >
          {trans.__(
            'Build an image first: Run executes the notebook in it, with the parameters you give.'
          )}
        </p>
      ) : (
        <dl className="jp-containerize-facts">
          <dt>{trans.__('Image')}</dt>
          <dd>
            <LongValue
              text={image}
              trans={trans}
              testid="jp-containerize-run-image"
            />
            {runs.imageChosen && (
              <button
                className="jp-containerize-link"
                onClick={() => runs.chooseImage(null)}
              >
                {trans.__('Use the newest image')}
              </button>
            )}
          </dd>
        </dl>
      )}
      {image && runs.engineProblem && (
        <NoEngine image={image} problem={runs.engineProblem} trans={trans} />
      )}
      {image && <ParametersForm model={model} trans={trans} />}
      {image && (
        <p className="jp-containerize-help">
          {trans.__(
            'The executed notebook lands in %1/NOTEBOOK/TIMESTAMP/ and opens when the run ends.',
            model.runsFolder
          )}
        </p>
      )}
      {runs.error && (
        <p
          className="jp-containerize-error-message"
          role="alert"
          data-testid="jp-containerize-run-error"
        >
          {runs.error}
        </p>
      )}
      {job && runs.running && <RunProgress model={model} trans={trans} />}
      {job && !isActive(job) && (
        <RunOutcome job={job} trans={trans} onOpen={onOpen} />
      )}
      {job && runs.progress.log.length > 0 && (
        <LogView
          lines={runs.progress.log}
          open={runs.running}
          summary={trans.__('Run log (%1 lines)', runs.progress.log.length)}
          testid="jp-containerize-run-log"
        />
      )}
    </section>
  );
}

function problemText(
  problem: ParameterProblem,
  trans: TranslationBundle
): string {
  switch (problem) {
    case 'int':
      return trans.__('Not an integer, e.g. 10');
    case 'float':
      return trans.__('Not a number, e.g. 0.5');
    case 'list':
      return trans.__('Not a JSON list, e.g. ["a", "b"]');
    case 'dict':
      return trans.__('Not a JSON object, e.g. {"a": 1}');
    default:
      return trans.__('Not valid JSON');
  }
}

function typeLabel(
  type: IParameterField['type'],
  trans: TranslationBundle
): string {
  switch (type) {
    case 'str':
      return trans.__('text');
    case 'int':
      return trans.__('integer');
    case 'float':
      return trans.__('number');
    case 'bool':
      return trans.__('True or False');
    case 'list':
      return trans.__('list');
    case 'dict':
      return trans.__('object');
    default:
      return trans.__('any value');
  }
}

/** One field per parameter of the notebook's `parameters` cell. */
function ParametersForm({ model, trans }: IRunProps): JSX.Element | null {
  const runs = model.runs;
  if (runs.parametersError) {
    return (
      <p className="jp-containerize-error-message" role="alert">
        {runs.parametersError}
      </p>
    );
  }
  if (!runs.parameters) {
    return runs.loading ? (
      <p className="jp-containerize-loading" role="status">
        {trans.__('Reading the notebook’s parameters…')}
      </p>
    ) : null;
  }
  const fields = runs.fields;
  if (fields.length === 0) {
    return (
      <p
        className="jp-containerize-help"
        data-testid="jp-containerize-no-parameters"
      >
        {trans.__(
          'The notebook has no cell tagged “parameters”: it runs with its own values.'
        )}
      </p>
    );
  }
  const disabled = runs.running;
  return (
    <div
      className="jp-containerize-form jp-containerize-parameters"
      role="group"
      aria-label={trans.__('Parameters of the run')}
      data-testid="jp-containerize-parameters"
    >
      {fields.map(field => (
        <ParameterField
          key={field.name}
          field={field}
          trans={trans}
          disabled={disabled}
          onChange={text => runs.setText(field.name, text)}
        />
      ))}
      {runs.parameters.source === 'notebook' && (
        <p className="jp-containerize-help">
          {trans.__(
            'Read from the notebook file: the image is not on this engine yet (the run pulls it first).'
          )}
        </p>
      )}
    </div>
  );
}

function ParameterField({
  field,
  trans,
  disabled,
  onChange
}: {
  field: IParameterField;
  trans: TranslationBundle;
  disabled: boolean;
  onChange: (text: string) => void;
}): JSX.Element {
  const id = `jp-containerize-param-${field.name}`;
  const helpId = `${id}-help`;
  const about = [
    typeLabel(field.type, trans),
    trans.__('default %1', field.defaultText),
    field.help
  ]
    .filter(Boolean)
    .join(' · ');
  if (field.type === 'bool') {
    return (
      <div
        className="jp-containerize-field jp-containerize-checks"
        data-parameter={field.name}
      >
        <label htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            data-testid={id}
            checked={field.text === 'True' || field.text === 'true'}
            disabled={disabled}
            aria-describedby={helpId}
            onChange={event =>
              onChange(event.target.checked ? 'True' : 'False')
            }
          />
          <span className="jp-containerize-mono">{field.name}</span>
        </label>
        <div id={helpId} className="jp-containerize-help">
          {about}
        </div>
      </div>
    );
  }
  return (
    <div className="jp-containerize-field" data-parameter={field.name}>
      <label htmlFor={id} className="jp-containerize-mono">
        {field.name}
      </label>
      <input
        id={id}
        className={`jp-containerize-input jp-containerize-mono${field.problem ? ' jp-mod-invalid' : ''}`}
        data-testid={id}
        data-type={field.type ?? 'any'}
        value={field.text}
        placeholder={field.text === '' ? field.defaultText : undefined}
        aria-describedby={helpId}
        aria-invalid={!!field.problem}
        disabled={disabled}
        spellCheck={false}
        onChange={event => onChange(event.target.value)}
      />
      <div
        id={helpId}
        className={
          field.problem
            ? 'jp-containerize-field-problem'
            : 'jp-containerize-help'
        }
        role={field.problem ? 'alert' : undefined}
        data-testid={field.problem ? `${id}-problem` : undefined}
      >
        {field.problem ? problemText(field.problem, trans) : about}
      </div>
    </div>
  );
}

/** No engine answers: the image runs elsewhere. */
function NoEngine({
  image,
  problem,
  trans
}: {
  image: string;
  problem: string;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <div
      className="jp-containerize-note jp-mod-warn"
      role="alert"
      data-testid="jp-containerize-no-engine"
    >
      <p>
        {trans.__(
          'No container engine answers on this server, so the image cannot run here (%1). It runs wherever Docker runs:',
          problem
        )}
      </p>
      <CopyLine
        id="elsewhere"
        text={runCommand(image)}
        label={trans.__('On a machine with Docker, outputs in ./out')}
        trans={trans}
      />
      <p>
        {trans.__(
          'Or on Kubernetes: push the image, then copy the CronJob from Share.'
        )}
      </p>
    </div>
  );
}

function phaseText(phase: string | null, trans: TranslationBundle): string {
  switch (phase) {
    case 'pull':
      return trans.__('Pulling the image');
    case 'run':
      return trans.__('Running the notebook');
    default:
      return trans.__('Queued');
  }
}

/** The phase, the cell running (of how many) and a bar. */
function RunProgress({ model, trans }: IRunProps): JSX.Element {
  const runs = model.runs;
  const cell = runs.cell;
  const phase = runs.progress.phase;
  const percent = cell ? (100 * (cell.step - 1)) / cell.steps : null;
  return (
    <div
      className="jp-containerize-progress"
      data-testid="jp-containerize-run-progress"
    >
      <div className="jp-containerize-progress-label">
        <span data-testid="jp-containerize-run-phase" data-phase={phase ?? ''}>
          {phaseText(phase, trans)}
        </span>
        {cell && (
          <span data-testid="jp-containerize-run-cell" data-step={cell.step}>
            {trans.__('cell %1 of %2', cell.step, cell.steps)}
          </span>
        )}
      </div>
      <div
        className={`jp-containerize-progress-bar${percent === null ? ' jp-mod-indeterminate' : ''}`}
        role="progressbar"
        aria-label={trans.__('Run progress')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent === null ? undefined : Math.round(percent)}
      >
        <div
          className="jp-containerize-progress-fill"
          style={{ width: `${percent ?? 0}%` }}
        />
      </div>
      {runs.progress.detail && (
        <p
          className="jp-containerize-progress-detail jp-containerize-mono"
          title={runs.progress.detail}
        >
          {runs.progress.detail}
        </p>
      )}
      {runs.reconnecting && (
        <p className="jp-containerize-note" role="status">
          {trans.__('Connection lost, reconnecting…')}
        </p>
      )}
    </div>
  );
}

function outcomeTitle(job: RunJob, trans: TranslationBundle): string {
  switch (job.state) {
    case 'succeeded':
      return trans.__('Run finished');
    case 'cancelled':
      return trans.__('Run stopped');
    case 'interrupted':
      return trans.__('Run interrupted (the server stopped)');
    default:
      return trans.__('Run failed');
  }
}

/** How the run ended, and its executed notebook. */
function RunOutcome({
  job,
  trans,
  onOpen
}: {
  job: RunJob;
  trans: TranslationBundle;
  onOpen?: OpenRun;
}): JSX.Element {
  const result = job.result;
  const failed = job.state === 'failed' || job.state === 'interrupted';
  const failedCell = result?.failed_cell ?? null;
  return (
    <section
      className={`jp-containerize-section jp-containerize-run-outcome${failed ? ' jp-containerize-error' : ' jp-containerize-result'}`}
      data-testid="jp-containerize-run-outcome"
      data-state={job.state}
      role={failed ? 'alert' : 'status'}
    >
      <h4 className="jp-containerize-heading">{outcomeTitle(job, trans)}</h4>
      {failed && (
        <p
          className="jp-containerize-error-message"
          data-testid="jp-containerize-run-message"
        >
          {job.error?.message ?? result?.error ?? ''}
        </p>
      )}
      {result && (
        <dl className="jp-containerize-facts">
          {typeof result.duration_s === 'number' && (
            <>
              <dt>{trans.__('Duration')}</dt>
              <dd>{humanDuration(result.duration_s)}</dd>
            </>
          )}
          {result.output && (
            <>
              <dt>{trans.__('Notebook')}</dt>
              <dd>
                <LongValue
                  text={result.output}
                  trans={trans}
                  testid="jp-containerize-run-output"
                />
              </dd>
            </>
          )}
        </dl>
      )}
      {result?.output && onOpen && (
        <div className="jp-containerize-actions">
          <button
            className="jp-mod-styled"
            data-testid="jp-containerize-open-run"
            onClick={() => onOpen(result.output!, failed ? failedCell : null)}
          >
            {failed && failedCell
              ? trans.__('Open at the failing cell (%1)', failedCell)
              : trans.__('Open the executed notebook')}
          </button>
        </div>
      )}
    </section>
  );
}

/** Why Run is disabled, for its tooltip. */
export function blockerText(
  blocker: RunBlocker,
  trans: TranslationBundle
): string {
  switch (blocker) {
    case 'no-image':
      return trans.__('Build an image first');
    case 'running':
      return trans.__('A run is going on');
    case 'loading':
      return trans.__('Reading the parameters…');
    case 'problems':
      return trans.__('Fix the parameters marked in red first');
    case 'no-engine':
      return trans.__('No container engine answers on this server');
    case 'no-notebook':
      return trans.__('Open a notebook first');
    default:
      return trans.__('Run the notebook in its image with these parameters');
  }
}

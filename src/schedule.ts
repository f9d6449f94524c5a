/**
 * "Schedule…" of a built image: jupyter-scheduler's Create Job form for the notebook, with the
 * image preselected as its environment (our `ImageEnvironmentManager` names each environment
 * after the image's tag).
 *
 * jupyter-scheduler 2.12's `scheduling:create-from-notebook` takes no arguments: it fills the
 * form from the file browser's selection and lets the form pick the first environment. Its
 * `scheduling:restore-layout` command (the one the layout restorer calls) takes the whole
 * view model, environment included, so the image is preselected through it.
 */
import type { CommandRegistry } from '@lumino/commands';

import { requestServer } from './request';

export namespace SchedulerCommandIDs {
  export const createFromNotebook = 'scheduling:create-from-notebook';
  export const restoreLayout = 'scheduling:restore-layout';
}

/** How to install the integration (README: "Schedule from JupyterLab"). */
export const SCHEDULER_INSTALL =
  'pip install "jupyter_containerize[scheduler]"';

/** The `jupyter_server_config.py` lines that make jupyter-scheduler run our images. */
export const SCHEDULER_CONFIG = [
  'c.SchedulerApp.environment_manager_class = "jupyter_containerize.scheduler.ImageEnvironmentManager"',
  'c.SchedulerApp.scheduler_class = "jupyter_containerize.scheduler.ImageScheduler"',
  'c.Scheduler.execution_manager_class = "jupyter_containerize.scheduler.ImageExecutionManager"'
];

/** An environment as jupyter-scheduler's `GET scheduler/runtime_environments` lists it. */
export interface IRuntimeEnvironment {
  name: string;
  label: string;
  description?: string;
  output_formats?: { name: string; label: string }[];
  compute_types?: string[] | null;
  default_compute_type?: string | null;
  utc_only?: boolean | null;
}

export function listEnvironments(): Promise<IRuntimeEnvironment[]> {
  return requestServer<IRuntimeEnvironment[]>(
    'scheduler',
    'runtime_environments'
  );
}

/** jupyter-scheduler 2.12's `JobsView.CreateForm`. */
export const CREATE_FORM_VIEW = 1;

/** The job name jupyter-scheduler gives a notebook: its file name without extension, made valid. */
export function jobName(path: string): string {
  const file = path.split('/').pop() ?? '';
  const parts = file.split('.');
  let name = parts.length > 1 ? parts.slice(0, -1).join('.') : file;
  if (/^[a-zA-Z0-9._][a-zA-Z0-9._ -]{0,62}$/.test(name)) {
    return name;
  }
  if (/^[^a-zA-Z0-9._]/.test(name)) {
    name = name.slice(1);
  }
  name = name.substring(0, 63).replace(/[^a-zA-Z0-9._ -]/g, '');
  return name || 'job';
}

/**
 * The Create Job form's model as `scheduling:create-from-notebook` makes it (input file, job
 * name, output folder, weekday schedule), with `environment` chosen instead of the first.
 */
export function createJobModel(
  path: string,
  environment: IRuntimeEnvironment,
  timezone: string = Intl.DateTimeFormat().resolvedOptions().timeZone
): Record<string, unknown> {
  const folders = path.split('/').slice(0, -1);
  const computeTypes = environment.compute_types ?? [];
  const computeType =
    environment.default_compute_type &&
    computeTypes.includes(environment.default_compute_type)
      ? environment.default_compute_type
      : computeTypes[0];
  return {
    key: Math.random(),
    jobName: jobName(path),
    inputFile: path,
    outputPath: folders.length ? `${folders.join('/')}/` : '',
    environment: environment.name,
    computeType,
    outputFormats: (environment.output_formats ?? []).map(f => f.name),
    createType: 'Job',
    schedule: '0 0 * * MON-FRI',
    scheduleInterval: 'weekday',
    scheduleClock: '00:00',
    scheduleMinute: '0',
    scheduleMonthDay: '1',
    scheduleWeekDay: '1',
    timezone: environment.utc_only ? 'UTC' : timezone
  };
}

/** What "Schedule…" did. */
export type ScheduleOutcome =
  /** The Create Job form is open for the notebook with the image preselected. */
  | 'opened'
  /** The form is open for the notebook; the user picks the image (no way to preselect it). */
  | 'opened-unselected'
  /** jupyter-scheduler's frontend is not installed. */
  | 'no-frontend'
  /** Its server extension does not answer. */
  | 'no-server'
  /** It does not list the image: our environment manager is not configured (or the image is gone). */
  | 'not-listed';

export interface IScheduleOptions {
  commands: CommandRegistry;
  /** The notebook, relative to the server root. */
  path: string;
  /** The image's tag: the environment's name. */
  tag: string;
  environments?: () => Promise<IRuntimeEnvironment[]>;
}

/** Open jupyter-scheduler's Create Job form for `path` with the image `tag` preselected. */
export async function scheduleImage(
  options: IScheduleOptions
): Promise<ScheduleOutcome> {
  const { commands, path, tag } = options;
  if (!commands.hasCommand(SchedulerCommandIDs.createFromNotebook)) {
    return 'no-frontend';
  }
  let environments: IRuntimeEnvironment[];
  try {
    environments = await (options.environments ?? listEnvironments)();
  } catch (error) {
    return 'no-server';
  }
  const environment = environments.find(env => env.name === tag);
  if (!environment) {
    return 'not-listed';
  }
  if (commands.hasCommand(SchedulerCommandIDs.restoreLayout)) {
    await commands.execute(SchedulerCommandIDs.restoreLayout, {
      jobsView: CREATE_FORM_VIEW,
      createJobModel: createJobModel(path, environment)
    } as any);
    return 'opened';
  }
  // create-from-notebook reads the file browser's selection
  if (commands.hasCommand('filebrowser:go-to-path')) {
    await commands.execute('filebrowser:go-to-path', { path });
  }
  await commands.execute(SchedulerCommandIDs.createFromNotebook);
  return 'opened-unselected';
}

import { CommandRegistry } from '@lumino/commands';

import {
  CREATE_FORM_VIEW,
  IRuntimeEnvironment,
  SCHEDULER_CONFIG,
  SCHEDULER_INSTALL,
  SchedulerCommandIDs,
  createJobModel,
  jobName,
  scheduleImage
} from '../schedule';

// Node's, given by Jest (the test tsconfig has no Node types).
declare const require: (id: string) => any;
declare const __dirname: string;

const image: IRuntimeEnvironment = {
  name: 'sales-report:7f2b6a0bb8e8',
  label: 'sales-report:7f2b6a0bb8e8',
  output_formats: [
    { name: 'ipynb', label: 'Notebook' },
    { name: 'html', label: 'HTML' }
  ],
  compute_types: null,
  utc_only: null
};
const other = { ...image, name: 'other:1', label: 'other:1' };

/** A command registry holding jupyter-scheduler's commands (as its plugin adds them). */
function registry(
  commands: string[] = [
    SchedulerCommandIDs.createFromNotebook,
    SchedulerCommandIDs.restoreLayout
  ]
) {
  const registry = new CommandRegistry();
  const calls: [string, any][] = [];
  for (const id of [...commands, 'filebrowser:go-to-path']) {
    registry.addCommand(id, { execute: args => void calls.push([id, args]) });
  }
  return { registry, calls };
}

describe('scheduleImage', () => {
  const target = { path: 'reports/sales-report.ipynb', tag: image.name };

  it('opens Create Job for the notebook with the image preselected', async () => {
    const { registry: commands, calls } = registry();
    const outcome = await scheduleImage({
      commands,
      ...target,
      environments: async () => [other, image]
    });
    expect(outcome).toBe('opened');
    expect(calls).toHaveLength(1);
    const [id, args] = calls[0];
    expect(id).toBe(SchedulerCommandIDs.restoreLayout);
    expect(args.jobsView).toBe(CREATE_FORM_VIEW);
    expect(args.createJobModel).toMatchObject({
      inputFile: 'reports/sales-report.ipynb',
      jobName: 'sales-report',
      outputPath: 'reports/',
      environment: 'sales-report:7f2b6a0bb8e8',
      outputFormats: ['ipynb', 'html'],
      createType: 'Job',
      scheduleInterval: 'weekday'
    });
  });

  it('without jupyter-scheduler, says so and runs nothing', async () => {
    const { registry: commands, calls } = registry([]);
    const environments = jest.fn();
    expect(await scheduleImage({ commands, ...target, environments })).toBe(
      'no-frontend'
    );
    expect(environments).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
  });

  it('tells a missing server extension from an image it does not list', async () => {
    const { registry: commands, calls } = registry();
    const failing = async (): Promise<IRuntimeEnvironment[]> => {
      throw new Error('404');
    };
    expect(
      await scheduleImage({ commands, ...target, environments: failing })
    ).toBe('no-server');
    expect(
      await scheduleImage({
        commands,
        ...target,
        environments: async () => [other]
      })
    ).toBe('not-listed');
    expect(calls).toEqual([]);
  });

  it('falls back to create-from-notebook on the selected file when the form cannot be preset', async () => {
    const { registry: commands, calls } = registry([
      SchedulerCommandIDs.createFromNotebook
    ]);
    const outcome = await scheduleImage({
      commands,
      ...target,
      environments: async () => [image]
    });
    expect(outcome).toBe('opened-unselected');
    expect(calls).toEqual([
      ['filebrowser:go-to-path', { path: 'reports/sales-report.ipynb' }],
      [SchedulerCommandIDs.createFromNotebook, {}]
    ]);
  });
});

describe('the Create Job model', () => {
  it('names the job as jupyter-scheduler does', () => {
    expect(jobName('a/b/Sales Report.ipynb')).toBe('Sales Report');
    expect(jobName('-x.v2.ipynb')).toBe('x.v2');
    expect(jobName('été (1).ipynb')).toBe('t 1');
    expect(jobName('###.ipynb')).toBe('job');
    expect(jobName('x'.repeat(80) + '.ipynb')).toHaveLength(63);
  });

  it('follows the environment: compute type, UTC-only, top-level notebooks', () => {
    const model = createJobModel(
      'nb.ipynb',
      {
        ...image,
        compute_types: ['small', 'large'],
        default_compute_type: 'large',
        utc_only: true
      },
      'Europe/Paris'
    );
    expect(model).toMatchObject({
      outputPath: '',
      computeType: 'large',
      timezone: 'UTC'
    });
    expect(createJobModel('nb.ipynb', image, 'Europe/Paris').timezone).toBe(
      'Europe/Paris'
    );
  });
});

describe('the help to enable jupyter-scheduler', () => {
  it('gives the same install command and config lines as the README', () => {
    const readme: string = require('fs').readFileSync(
      `${__dirname}/../../README.md`,
      'utf-8'
    );
    expect(readme).toContain(SCHEDULER_INSTALL);
    for (const line of SCHEDULER_CONFIG) {
      expect(readme).toContain(line);
    }
  });
});

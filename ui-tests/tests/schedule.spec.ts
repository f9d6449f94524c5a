import { expect, test } from '@jupyterlab/galata';
import {
  NOTEBOOK,
  byTestId,
  dismissNetworkChangeErrors,
  openNotebook,
  openPanel,
  panel,
  shootThemes
} from './helpers';

const BUILD_TIMEOUT = 4 * 60 * 1000;
const TAG = 'sales-report:ui-schedule';

test.describe('Containerize panel: schedule with jupyter-scheduler', () => {
  test.beforeEach(async ({ page }) => dismissNetworkChangeErrors(page));

  test('opens Create Job for the notebook with the built image preselected', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 60_000);
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);
    await byTestId(sidebar, 'jp-containerize-tag-input').fill(TAG);
    await byTestId(sidebar, 'jp-containerize-build-button').click();
    await expect(byTestId(sidebar, 'jp-containerize-result')).toBeVisible({
      timeout: BUILD_TIMEOUT
    });
    await expect(byTestId(sidebar, 'jp-containerize-tag')).toHaveText(TAG);

    const schedule = byTestId(sidebar, 'jp-containerize-schedule');
    await schedule.focus();
    await page.keyboard.press('Enter');

    const jobs = page.locator('#notebook-jobs-panel');
    await expect(
      jobs.getByRole('heading', { name: 'Create Job' })
    ).toBeVisible();
    await expect(page.locator('#jp-create-job-inputFile')).toHaveValue(
      NOTEBOOK
    );
    await expect(page.locator('#jp-create-job-jobName')).toHaveValue(
      'sales-report'
    );
    // the form's own model holds our image as the environment...
    const environment = await page.evaluate(() => {
      for (const widget of window.jupyterapp.shell.widgets('main')) {
        if (widget.id === 'notebook-jobs-panel') {
          return (widget as any).content.model.createJobModel.environment;
        }
      }
      return null;
    });
    expect(environment).toBe(TAG);
    // ...jupyter-scheduler offers it among the images on the engine...
    const listed = await page.request.get('/scheduler/runtime_environments');
    expect(listed.ok()).toBe(true);
    const offered = ((await listed.json()) as { label: string }[]).map(
      env => env.label
    );
    expect(offered).toContain(TAG);
    // ...and its picker shows it (jupyter-scheduler hides the picker for a single environment)
    await expect(jobs.getByText('Loading …')).toHaveCount(0, {
      timeout: 60_000
    });
    const picker = page.locator('#jp-create-job-environment');
    await expect(picker).toHaveCount(offered.length > 1 ? 1 : 0);
    if (offered.length > 1) {
      await expect(picker).toHaveText(TAG);
      await expect(page.locator('input[name="environment"]')).toHaveValue(TAG);
    }
    await shootThemes(page, jobs, 'scheduler-create-job');
  });

  test('explains how to enable scheduling when jupyter-scheduler does not offer the image', async ({
    page
  }) => {
    await openNotebook(page);
    await openPanel(page);
    await page.evaluate(
      ({ path }) =>
        void window.jupyterapp.commands.execute('containerize:schedule', {
          path,
          tag: 'containerize-test/never-built:1'
        }), // not awaited: it resolves once the dialog is closed
      { path: NOTEBOOK }
    );
    const help = page.locator('[data-testid="jp-containerize-scheduler-help"]');
    await expect(help).toBeVisible();
    await expect(help).toHaveAttribute('data-outcome', 'not-listed');
    // installed already: no install step, so the config step comes first
    await expect(help).not.toContainText('pip install');
    await expect(help).toContainText(
      'Add these lines to jupyter_server_config.py and restart JupyterLab:'
    );
    await expect(
      help.locator('[data-testid="jp-containerize-scheduler-config"]')
    ).toContainText(
      'c.SchedulerApp.environment_manager_class = "jupyter_containerize.scheduler.ImageEnvironmentManager"'
    );
    await shootThemes(
      page,
      page.locator('.jp-Dialog-content'),
      'scheduler-help'
    );
    await page.getByRole('button', { name: 'Close' }).click();
    await expect(help).toHaveCount(0);
  });
});

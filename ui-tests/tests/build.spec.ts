import { expect, test } from '@jupyterlab/galata';

import {
  LONG_NOTEBOOK,
  NOTEBOOK,
  addPackage,
  byTestId,
  dismissNetworkChangeErrors,
  openNotebook,
  openPanel,
  panel,
  reloadAndOpenPanel,
  shoot,
  waitForPhase
} from './helpers';

/** A real image build: the lock resolves and downloads, pip installs in the image. */
const BUILD_TIMEOUT = 4 * 60 * 1000;

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test.describe('Containerize panel: builds', () => {
  test.beforeEach(async ({ page }) => dismissNetworkChangeErrors(page));

  test('edits the packages, builds, and copies the run command', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 60_000);
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);

    // add tabulate (not in the kernel) with a pin
    await addPackage(sidebar, 'tabulate', '0.9.0');
    await expect(
      sidebar.locator(
        '[data-package="tabulate"] [data-testid="jp-containerize-source"]'
      )
    ).toHaveText('you');
    // remove matplotlib, then undo
    const matplotlib = sidebar.locator('[data-package="matplotlib"]');
    await byTestId(matplotlib, 'jp-containerize-remove').click();
    await expect(matplotlib).toHaveAttribute('data-status', 'removed');
    await byTestId(matplotlib, 'jp-containerize-restore').click();
    await expect(matplotlib).toHaveAttribute('data-status', 'analysed');
    // a bad version is refused before the build
    const pandasVersion = byTestId(
      sidebar.locator('[data-package="pandas"]'),
      'jp-containerize-version-input'
    );
    await pandasVersion.fill('not a version');
    await expect(pandasVersion).toHaveAttribute('aria-invalid', 'true');
    await expect(
      byTestId(sidebar, 'jp-containerize-build-button')
    ).toBeDisabled();
    await pandasVersion.fill('');
    // the tag is validated as typed, as the server does
    const tag = byTestId(sidebar, 'jp-containerize-tag-input');
    await tag.fill('Sales Report');
    await expect(
      byTestId(sidebar, 'jp-containerize-tag-problem')
    ).toBeVisible();
    await shoot(page, 'panel-invalid-tag', tag);
    await tag.fill('sales-report:ui-test');
    await expect(byTestId(sidebar, 'jp-containerize-tag-problem')).toHaveCount(
      0
    );
    // keyboard: from the name field, Tab reaches the version field then the Add button
    await byTestId(sidebar, 'jp-containerize-add-name').focus();
    await page.keyboard.press('Tab');
    await expect(
      byTestId(sidebar, 'jp-containerize-add-version')
    ).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(byTestId(sidebar, 'jp-containerize-add-button')).toBeFocused();
    await shoot(
      page,
      'panel-edited',
      byTestId(sidebar, 'jp-containerize-packages')
    );

    await byTestId(sidebar, 'jp-containerize-build-button').click();
    await expect(byTestId(sidebar, 'jp-containerize-stepper')).toBeVisible();
    await expect(byTestId(sidebar, 'jp-containerize-log')).not.toBeEmpty({
      timeout: 60_000
    });
    // (a build from a warm cache takes about a second: panel-building is shot by the
    // cancel test, whose build surely runs)
    const result = byTestId(sidebar, 'jp-containerize-result');
    await expect(
      result.or(byTestId(sidebar, 'jp-containerize-error'))
    ).toBeVisible({
      timeout: BUILD_TIMEOUT
    });
    await expect(byTestId(sidebar, 'jp-containerize-error')).toHaveCount(0);
    await expect(
      sidebar.locator('.jp-containerize-step[data-status="done"]')
    ).toHaveCount(4);
    await expect(byTestId(sidebar, 'jp-containerize-tag')).toHaveText(
      'sales-report:ui-test'
    );
    await expect(byTestId(sidebar, 'jp-containerize-size')).toHaveText(
      /\d( [kMG]B| B)$/
    );
    // the edits went with the build (the log names tabulate only when pip runs uncached)
    const listed = await page.request.get(
      `/containerize/builds?path=${encodeURIComponent(NOTEBOOK)}`
    );
    const newest = (await listed.json()).builds[0];
    expect(newest.request.edits).toEqual({
      add: ['tabulate==0.9.0'],
      remove: [],
      optional: {}
    });
    expect(newest.request.tag).toBe('sales-report:ui-test');
    await shoot(
      page,
      'panel-result',
      byTestId(sidebar, 'jp-containerize-result')
    );

    const run = 'docker run --rm -v "$PWD/out:/out" sales-report:ui-test';
    await expect(byTestId(sidebar, 'jp-containerize-run-command')).toHaveText(
      run
    );
    const copy = byTestId(sidebar, 'jp-containerize-copy-run');
    await copy.click();
    await expect(copy).toHaveAttribute('data-copied', run);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(run);
    await expect(byTestId(sidebar, 'jp-containerize-copy-tag')).toBeVisible();

    // the build is in the history, and can be opened again
    await sidebar.locator('.jp-containerize-history summary').click();
    const item = byTestId(sidebar, 'jp-containerize-history-item').first();
    await expect(item).toHaveAttribute('data-state', 'succeeded');
    await item.locator('.jp-containerize-link').click();
    await expect(byTestId(sidebar, 'jp-containerize-result')).toBeVisible();
  });

  test('cancels a running build', async ({ page }) => {
    test.setTimeout(BUILD_TIMEOUT);
    await openNotebook(page, LONG_NOTEBOOK);
    await openPanel(page, LONG_NOTEBOOK);
    const sidebar = panel(page);
    // verify runs the two-minute job in the image: the build is surely running when the
    // click lands
    await byTestId(sidebar, 'jp-containerize-verify').check();
    await byTestId(sidebar, 'jp-containerize-build-button').click();
    await waitForPhase(sidebar, /verify/, BUILD_TIMEOUT - 60_000);
    await shoot(
      page,
      'panel-building',
      byTestId(sidebar, 'jp-containerize-log')
    );
    await byTestId(sidebar, 'jp-containerize-cancel-button').click();

    const error = byTestId(sidebar, 'jp-containerize-error');
    await expect(error).toHaveAttribute('data-state', 'cancelled', {
      timeout: 30_000
    });
    await expect(error).toContainText('Build cancelled');
    await expect(byTestId(sidebar, 'jp-containerize-result')).toHaveCount(0);
    await expect(
      byTestId(sidebar, 'jp-containerize-build-button')
    ).toBeEnabled();
    await shoot(
      page,
      'panel-cancelled',
      byTestId(sidebar, 'jp-containerize-error')
    );
  });

  test('re-attaches to a running build after a reload', async ({ page }) => {
    test.setTimeout(BUILD_TIMEOUT);
    await openNotebook(page, LONG_NOTEBOOK);
    await openPanel(page, LONG_NOTEBOOK);
    let sidebar = panel(page);
    // the choice is in the workspace before the reload (JupyterLab saves it shortly after)
    const saved = page.waitForRequest(
      request =>
        request.method() === 'PUT' && request.url().includes('/api/workspaces')
    );
    await byTestId(sidebar, 'jp-containerize-verify').check();
    await saved;
    await byTestId(sidebar, 'jp-containerize-build-button').click();
    await waitForPhase(sidebar, /verify/, BUILD_TIMEOUT - 60_000);

    // the panel finds the notebook's running build after a reload
    await reloadAndOpenPanel(page, LONG_NOTEBOOK);
    sidebar = panel(page);
    await expect(byTestId(sidebar, 'jp-containerize-verify')).toBeChecked();
    // the running build is followed again: stepper, progress and the log from the start
    await expect(byTestId(sidebar, 'jp-containerize-progress')).toBeVisible({
      timeout: 30_000
    });
    await expect(byTestId(sidebar, 'jp-containerize-phase')).toHaveAttribute(
      'data-phase',
      'verify'
    );
    await expect(byTestId(sidebar, 'jp-containerize-log')).toContainText(
      'Analysing'
    );
    await shoot(
      page,
      'panel-reattached',
      byTestId(sidebar, 'jp-containerize-progress')
    );
    // the re-attached panel controls the build: its Cancel stops it
    await byTestId(sidebar, 'jp-containerize-cancel-button').click();
    await expect(byTestId(sidebar, 'jp-containerize-error')).toHaveAttribute(
      'data-state',
      'cancelled',
      { timeout: 30_000 }
    );
  });

  test('shows a failed build with its phase and last log lines', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT);
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);
    await byTestId(sidebar, 'jp-containerize-base-image-input').fill(
      'jupyter-containerize/no-such-image:0'
    );
    await byTestId(sidebar, 'jp-containerize-build-button').click();
    const error = byTestId(sidebar, 'jp-containerize-error');
    await expect(error).toHaveAttribute('data-state', 'failed', {
      timeout: BUILD_TIMEOUT - 30_000
    });
    // the failing phase is named, and is the one the stepper marks
    const phase = await byTestId(
      sidebar,
      'jp-containerize-error-phase'
    ).getAttribute('data-phase');
    expect(['context', 'build']).toContain(phase);
    await expect(
      sidebar.locator('.jp-containerize-step[data-status="failed"]')
    ).toHaveAttribute('data-phase', phase!);
    await expect(
      byTestId(sidebar, 'jp-containerize-error-tail')
    ).not.toBeEmpty();
    await expect(
      byTestId(sidebar, 'jp-containerize-error-message')
    ).toContainText('no-such-image');
    await shoot(
      page,
      'panel-error',
      byTestId(sidebar, 'jp-containerize-error')
    );
  });
});

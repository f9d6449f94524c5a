import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { execFileSync } from 'child_process';

import {
  LONG_NOTEBOOK,
  byTestId,
  dismissNetworkChangeErrors,
  expectAccessible,
  openNotebook,
  openPanel,
  panel,
  reloadAndOpenPanel,
  shoot
} from './helpers';

/** A real image build: warm, about a second; cold, minutes. */
const BUILD_TIMEOUT = 4 * 60 * 1000;
/** The test registry (started by jupyter_server_test_config.py). */
const REGISTRY = process.env.CONTAINERIZE_UI_REGISTRY || '127.0.0.1:5055';
/** A tiny notebook (standard library only): its image pushes quickly. */
const GREETING = 'fixtures/share/greeting.ipynb';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

/** Build the notebook shown (with `tag`) and wait for its result. */
async function build(sidebar: Locator, tag?: string): Promise<void> {
  if (tag) {
    await byTestId(sidebar, 'jp-containerize-tag-input').fill(tag);
  }
  await byTestId(sidebar, 'jp-containerize-build-button').click();
  await expect(byTestId(sidebar, 'jp-containerize-result')).toBeVisible({
    timeout: BUILD_TIMEOUT
  });
}

/** The path of the document in the main area's current tab. */
/** Open the panel on a notebook that imports nothing outside the standard library. */
async function openPanelOn(
  page: IJupyterLabPageFixture,
  notebook: string
): Promise<void> {
  await page.evaluate(
    path => window.jupyterapp.commands.execute('containerize:open', { path }),
    notebook
  );
  const sidebar = panel(page);
  await expect(byTestId(sidebar, 'jp-containerize-notebook')).toHaveText(
    notebook.split('/').pop()!
  );
  await expect(byTestId(sidebar, 'jp-containerize-python')).toBeVisible({
    timeout: 60_000
  });
}

async function currentPath(page: IJupyterLabPageFixture): Promise<string> {
  return page.evaluate(
    () => (window.jupyterapp.shell.currentWidget as any)?.context?.path ?? ''
  );
}

test.describe('Containerize panel: run, share, stale, images', () => {
  test.beforeEach(async ({ page }) => dismissNetworkChangeErrors(page));

  test('runs the image with a parameter and opens the executed notebook', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 120_000);
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);
    // the primary action is in view in a default-width sidebar, however long the panel is
    await expect(
      byTestId(sidebar, 'jp-containerize-build-button')
    ).toBeInViewport();
    await build(sidebar, 'sales-report:ui-run');
    // no registry: the Share box says what sharing takes
    await expect(
      byTestId(sidebar, 'jp-containerize-share-needs')
    ).toContainText('Sharing needs a registry');

    // the form is the notebook's parameters cell: region, a text, "all" by default
    const region = byTestId(sidebar, 'jp-containerize-param-region');
    await expect(region).toHaveValue('all');
    await expect(region).toHaveAttribute('data-type', 'str');
    await expect(
      sidebar.locator('#jp-containerize-param-region-help')
    ).toHaveText('text · default "all"');
    await expect(byTestId(sidebar, 'jp-containerize-run-image')).toHaveText(
      'sales-report:ui-run'
    );
    await region.fill('North');
    await shoot(
      page,
      'panel-run-form',
      byTestId(sidebar, 'jp-containerize-run-section')
    );
    await byTestId(sidebar, 'jp-containerize-run-button').click();

    // the executed notebook opens when the run ends: its output is North's
    const outcome = byTestId(sidebar, 'jp-containerize-run-outcome');
    await expect(outcome).toHaveAttribute('data-state', 'succeeded', {
      timeout: 120_000
    });
    await expect
      .poll(() => currentPath(page))
      .toMatch(/^runs\/sales-report\/[\d_-]+\/sales-report\.ipynb$/);
    const executed = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
    await expect(
      executed.locator('.jp-OutputArea-output', {
        hasText: 'TOTAL_SALES=263.75'
      })
    ).toBeVisible();
    await expect(
      executed.locator('.jp-OutputArea-output').first()
    ).toContainText('North');
    await expect(byTestId(sidebar, 'jp-containerize-run-output')).toHaveText(
      await currentPath(page)
    );
    await shoot(page, 'panel-run-finished', outcome);
    // the form, the run's outcome and the Share box: labelled, reachable with Tab
    await expectAccessible(page);
  });

  test('a failing run opens the notebook at the failing cell', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 120_000);
    await openNotebook(page, LONG_NOTEBOOK);
    await openPanel(page, LONG_NOTEBOOK);
    const sidebar = panel(page);
    await build(sidebar, 'nightly-refresh:ui-run');
    await byTestId(sidebar, 'jp-containerize-param-seconds').fill('0');
    await byTestId(sidebar, 'jp-containerize-param-fail').check();
    // a typed value is checked as typed
    await byTestId(sidebar, 'jp-containerize-param-seconds').fill('soon');
    await expect(
      byTestId(sidebar, 'jp-containerize-param-seconds-problem')
    ).toHaveText('Not an integer, e.g. 10');
    await expect(
      byTestId(sidebar, 'jp-containerize-run-button')
    ).toBeDisabled();
    await byTestId(sidebar, 'jp-containerize-param-seconds').fill('0');
    await byTestId(sidebar, 'jp-containerize-run-button').click();

    const outcome = byTestId(sidebar, 'jp-containerize-run-outcome');
    await expect(outcome).toHaveAttribute('data-state', 'failed', {
      timeout: 120_000
    });
    await expect(
      byTestId(sidebar, 'jp-containerize-run-message')
    ).toContainText(
      'cell 6 failed: RuntimeError: the refresh failed (asked to fail)'
    );
    // opened at the failing cell: it is the active cell, in view
    await expect
      .poll(() => currentPath(page))
      .toMatch(/^runs\/nightly-refresh\/.*\/nightly-refresh\.ipynb$/);
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (window.jupyterapp.shell.currentWidget as any).content
              .activeCellIndex
        )
      )
      .toBe(5);
    const failing = page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active'
    );
    await expect(failing).toContainText('raise RuntimeError');
    await expect(failing).toBeInViewport();
    await shoot(page, 'panel-run-failed', outcome);
  });

  test('stops a run, after re-attaching to it on a reload', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 120_000);
    await openNotebook(page, LONG_NOTEBOOK);
    await openPanel(page, LONG_NOTEBOOK);
    let sidebar = panel(page);
    await build(sidebar, 'nightly-refresh:ui-stop');
    await byTestId(sidebar, 'jp-containerize-run-button').click();
    // the cell that sleeps two minutes: 4 of 5 (the injected parameters count)
    const cell = byTestId(sidebar, 'jp-containerize-run-cell');
    await expect(cell).toHaveAttribute('data-step', '4', { timeout: 120_000 });
    await shoot(
      page,
      'panel-running',
      byTestId(sidebar, 'jp-containerize-run-progress')
    );

    await reloadAndOpenPanel(page, LONG_NOTEBOOK);
    sidebar = panel(page);
    await expect(byTestId(sidebar, 'jp-containerize-run-cell')).toHaveAttribute(
      'data-step',
      '4',
      { timeout: 30_000 }
    );
    await expect(byTestId(sidebar, 'jp-containerize-run-log')).toContainText(
      '[1/5] cell 2'
    );
    await byTestId(sidebar, 'jp-containerize-stop-button').click();
    const outcome = byTestId(sidebar, 'jp-containerize-run-outcome');
    await expect(outcome).toHaveAttribute('data-state', 'cancelled', {
      timeout: 60_000
    });
    await expect(outcome).toContainText('Run stopped');
    await expect(byTestId(sidebar, 'jp-containerize-run-button')).toBeEnabled();
    // the keyboard reaches the views: the Images tab from the Notebook tab with an arrow key
    await byTestId(sidebar, 'jp-containerize-tab-notebook').focus();
    await page.keyboard.press('ArrowRight');
    await expect(
      byTestId(sidebar, 'jp-containerize-tab-images')
    ).toHaveAttribute('aria-selected', 'true');
  });

  test('shares a pushed image: the reference docker pull accepts, the lines, a CronJob', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 120_000);
    await openNotebook(page, GREETING);
    await openPanelOn(page, GREETING);
    const sidebar = panel(page);
    await byTestId(sidebar, 'jp-containerize-registry-input').fill(
      `${REGISTRY}/ui`
    );
    await build(sidebar, 'greeting:share');
    // a registry, no push yet: Push is offered
    const push = byTestId(sidebar, 'jp-containerize-push-button');
    await expect(push).toHaveText(`Push ${REGISTRY}/ui/greeting:share`);
    await push.click();
    const share = byTestId(sidebar, 'jp-containerize-share');
    await expect(share).toBeVisible({ timeout: 120_000 });
    const reference = byTestId(sidebar, 'jp-containerize-share-reference');
    await expect(reference).toHaveText(
      new RegExp(`^${REGISTRY}/ui/greeting@sha256:[0-9a-f]{64}$`)
    );
    const ref = (await reference.textContent())!;
    execFileSync('docker', ['pull', ref], { stdio: 'pipe' }); // throws when refused

    // the lines carry the run form's parameters
    await byTestId(sidebar, 'jp-containerize-param-name').fill('the team');
    const dockerRun = byTestId(sidebar, 'jp-containerize-share-docker-command');
    await expect(dockerRun).toHaveText(
      `docker run --rm -v "$PWD/out:/out" ${ref} greeting.ipynb -p name 'the team'`
    );
    await expect(
      byTestId(sidebar, 'jp-containerize-share-containerize-command')
    ).toHaveText(`jupyter containerize run ${ref} -p name 'the team'`);
    const copy = byTestId(sidebar, 'jp-containerize-copy-share-docker');
    await copy.click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      await dockerRun.textContent()
    );
    // a cron: the CronJob (a wrong one is said so)
    await byTestId(sidebar, 'jp-containerize-cron').fill('every morning');
    await expect(
      byTestId(sidebar, 'jp-containerize-share-error')
    ).toBeVisible();
    await byTestId(sidebar, 'jp-containerize-cron').fill('0 6 * * 1-5');
    const cronjob = byTestId(sidebar, 'jp-containerize-share-cronjob-command');
    await expect(cronjob).toContainText('kind: CronJob');
    await expect(cronjob).toContainText('schedule: 0 6 * * 1-5');
    await expect(cronjob).toContainText(`image: ${ref}`);
    await shoot(page, 'panel-share', share);
    await expectAccessible(page);
  });

  test('an edited cell marks the image stale, and Rebuild clears it', async ({
    page
  }) => {
    test.setTimeout(2 * BUILD_TIMEOUT);
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);
    await build(sidebar, 'sales-report:ui-stale');
    const stale = byTestId(sidebar, 'jp-containerize-stale');
    await expect(stale).toHaveCount(0);

    await page.notebook.setCell(
      4,
      'code',
      'print(f"TOTAL={sales.amount.sum():.1f}")'
    );
    await page.notebook.save();
    await expect(stale).toBeVisible({ timeout: 30_000 });
    await expect(byTestId(sidebar, 'jp-containerize-stale-changes')).toHaveText(
      'cell 5 edited'
    );
    await expect(byTestId(sidebar, 'jp-containerize-build-button')).toHaveText(
      'Rebuild'
    );
    await shoot(page, 'panel-stale', stale);
    await byTestId(sidebar, 'jp-containerize-rebuild').click();
    await expect(byTestId(sidebar, 'jp-containerize-result')).toBeVisible({
      timeout: BUILD_TIMEOUT
    });
    await expect(stale).toHaveCount(0, { timeout: 30_000 });
  });

  test('the Images view lists the builds of two notebooks, and Prune frees space', async ({
    page
  }) => {
    test.setTimeout(2 * BUILD_TIMEOUT);
    await openNotebook(page, LONG_NOTEBOOK);
    await openPanel(page, LONG_NOTEBOOK);
    let sidebar = panel(page);
    await build(sidebar, 'nightly-refresh:ui-images');
    await openNotebook(page);
    // content no other test builds: the engine shares identical layers between images, so
    // an image whose notebook layer another test's image also has frees nothing when removed
    const marker = Date.now();
    await page.notebook.setCell(4, 'code', `print("IMAGES_VIEW=${marker}")`);
    await page.notebook.save();
    await openPanel(page);
    sidebar = panel(page);
    await build(sidebar, 'sales-report:ui-images');
    // a rebuild after an edit takes the tag: the first image is left unused
    await page.notebook.setCell(
      4,
      'code',
      `print("IMAGES_VIEW=${marker}-edited")`
    );
    await page.notebook.save();
    await byTestId(sidebar, 'jp-containerize-build-button').click();
    await expect(byTestId(sidebar, 'jp-containerize-result')).toBeVisible({
      timeout: BUILD_TIMEOUT
    });
    await expect(
      byTestId(sidebar, 'jp-containerize-build-button')
    ).toBeEnabled();

    await byTestId(sidebar, 'jp-containerize-tab-images').click();
    const items = byTestId(sidebar, 'jp-containerize-image-item');
    await expect(
      items.filter({ hasText: 'sales-report:ui-images' }).first()
    ).toHaveAttribute('data-state', 'present');
    await expect(
      items.filter({ hasText: 'nightly-refresh:ui-images' }).first()
    ).toHaveAttribute('data-notebook', LONG_NOTEBOOK);
    await expect(
      items.filter({ hasText: 'sales-report:ui-images' }).nth(1)
    ).toHaveAttribute('data-state', 'replaced');
    await expect(byTestId(sidebar, 'jp-containerize-cache-host')).toHaveText(
      /\d/
    );
    await shoot(
      page,
      'panel-images',
      byTestId(sidebar, 'jp-containerize-images')
    );
    await expectAccessible(page);

    await byTestId(sidebar, 'jp-containerize-prune').click();
    const pruned = byTestId(sidebar, 'jp-containerize-pruned');
    await expect(pruned).toBeVisible({ timeout: 120_000 });
    expect(Number(await pruned.getAttribute('data-freed'))).toBeGreaterThan(0);
    await expect(
      items.filter({ hasText: 'sales-report:ui-images' }).nth(1)
    ).toHaveAttribute('data-state', 'removed');
    await expect(
      items.filter({ hasText: 'sales-report:ui-images' }).first()
    ).toHaveAttribute('data-state', 'present');
    await shoot(
      page,
      'panel-pruned',
      byTestId(sidebar, 'jp-containerize-cache')
    );
  });

  test('the panel is usable at 250 px and at 600 px', async ({ page }) => {
    test.setTimeout(BUILD_TIMEOUT + 60_000);
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);
    await build(sidebar, 'sales-report:ui-narrow');
    for (const width of [250, 600]) {
      await resizeSidebar(page, width);
      await expect
        .poll(async () => Math.round((await sidebar.boundingBox())!.width))
        .toBeLessThanOrEqual(width + 2);
      // nothing sticks out sideways, and the primary actions stay in view
      expect(
        await sidebar.evaluate(node => node.scrollWidth - node.clientWidth)
      ).toBeLessThanOrEqual(0);
      await expect(
        byTestId(sidebar, 'jp-containerize-build-button')
      ).toBeInViewport();
      await expect(
        byTestId(sidebar, 'jp-containerize-run-button')
      ).toBeInViewport();
      // a long value is shown whole on hover
      await expect(
        sidebar.locator(
          '[data-testid="jp-containerize-interpreter"] .jp-containerize-long-text'
        )
      ).toHaveAttribute('title', /python/);
      await shoot(page, `panel-${width}px`);
    }
  });
});

/** Drag the handle between the main area and the right sidebar until the sidebar is `width` px wide. */
async function resizeSidebar(
  page: IJupyterLabPageFixture,
  width: number
): Promise<void> {
  const stack = page.locator('#jp-right-stack');
  const box = (await stack.boundingBox())!;
  const handle = page
    .locator('#jp-main-split-panel > .lm-SplitPanel-handle:not(.lm-mod-hidden)')
    .last();
  const grip = (await handle.boundingBox())!;
  await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - width, grip.y + grip.height / 2, {
    steps: 5
  });
  await page.mouse.up();
}

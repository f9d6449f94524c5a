import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test
} from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

/** The example notebook, copied into the server root by jupyter_server_test_config.py. */
const NOTEBOOK =
  process.env.CONTAINERIZE_UI_NOTEBOOK || 'examples/sales-report.ipynb';
const NAME = path.basename(NOTEBOOK);
/** Where the screenshots of the panel go (kept as CI artefacts). */
const SHOTS = path.join(__dirname, '..', 'test-results', 'screenshots');
/** A real image build: pip downloads and installs the notebook's packages. */
const BUILD_TIMEOUT = 10 * 60 * 1000;

const panel = (page: IJupyterLabPageFixture): Locator =>
  page.locator('#jp-containerize-panel');
const byTestId = (root: Locator, id: string): Locator =>
  root.locator(`[data-testid="${id}"]`);

async function expectPackages(page: IJupyterLabPageFixture): Promise<void> {
  const sidebar = panel(page);
  await expect(sidebar).toBeVisible();
  await expect(byTestId(sidebar, 'jp-containerize-notebook')).toHaveText(NAME);
  const rows = byTestId(sidebar, 'jp-containerize-package-row');
  await expect(rows.first()).toBeVisible({ timeout: 60_000 });
  await expect(sidebar.locator('[data-package="pandas"]')).toBeVisible();
}

test.describe('Containerize panel', () => {
  test.use({ autoGoto: true });

  test('builds the example notebook from the toolbar button', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 2 * 60 * 1000);
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate(NAME);

    const button = page.locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-item[data-jp-item-name="containerize"]'
    );
    await expect(button).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, 'notebook-toolbar.png') });
    await button.click();

    await expectPackages(page);
    const sidebar = panel(page);
    await expect(byTestId(sidebar, 'jp-containerize-python')).toHaveText(
      /^3\.\d+/
    );
    await sidebar.screenshot({ path: path.join(SHOTS, 'panel-packages.png') });

    await byTestId(sidebar, 'jp-containerize-build-button').click();
    await expect(byTestId(sidebar, 'jp-containerize-progress')).toBeVisible();
    await expect(byTestId(sidebar, 'jp-containerize-log')).not.toBeEmpty({
      timeout: 120_000
    });
    await sidebar.screenshot({ path: path.join(SHOTS, 'panel-building.png') });

    const tag = byTestId(sidebar, 'jp-containerize-tag');
    await expect(
      tag.or(byTestId(sidebar, 'jp-containerize-error'))
    ).toBeVisible({
      timeout: BUILD_TIMEOUT
    });
    await sidebar.screenshot({ path: path.join(SHOTS, 'panel-result.png') });
    await expect(byTestId(sidebar, 'jp-containerize-error')).toHaveCount(0);

    const tagText = (await tag.textContent()) ?? '';
    expect(tagText).toMatch(/^[a-z0-9./:_-]+:[\w.-]+$/);
    await expect(byTestId(sidebar, 'jp-containerize-size')).toHaveText(
      /\d( [kMG]B| B)$/
    );
    await expect(byTestId(sidebar, 'jp-containerize-run-command')).toHaveText(
      `docker run --rm -v "$PWD/out:/out" ${tagText}`
    );
    await expect(
      byTestId(sidebar, 'jp-containerize-build-button')
    ).toBeEnabled();
  });

  test('opens from the command palette', async ({ page }) => {
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate(NAME);

    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#command-palette');
    await expect(palette).toBeVisible();
    await palette
      .locator('.lm-CommandPalette-input')
      .fill('Containerize Notebook');
    await palette
      .locator('.lm-CommandPalette-item', { hasText: 'Containerize Notebook' })
      .first()
      .click();

    await expectPackages(page);
  });

  test('opens from the file browser context menu', async ({ page }) => {
    await page.filebrowser.openDirectory(path.dirname(NOTEBOOK));
    const item = page.locator(
      `.jp-DirListing-item[data-file-type="notebook"]:has-text("${NAME}")`
    );
    await item.click({ button: 'right' });
    await page
      .locator('.lm-Menu-item', { hasText: 'Containerize Notebook' })
      .first()
      .click();

    await expectPackages(page);
  });
});

test.describe('Containerize panel with settings (dark theme)', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      '@jupyterlab/apputils-extension:themes': { theme: 'JupyterLab Dark' },
      'jupyter-containerize:plugin': {
        baseImage: 'jupyter-containerize/no-such-image:0'
      }
    }
  });

  test('shows a failed build with its message', async ({ page }) => {
    test.setTimeout(5 * 60 * 1000);
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate(NAME);
    await page.evaluate(
      id => window.jupyterapp.commands.execute(id),
      'containerize:open'
    );
    await expectPackages(page);

    const sidebar = panel(page);
    await byTestId(sidebar, 'jp-containerize-build-button').click();
    const error = byTestId(sidebar, 'jp-containerize-error');
    await expect(error).toBeVisible({ timeout: 4 * 60 * 1000 });
    await expect(
      byTestId(sidebar, 'jp-containerize-error-message')
    ).not.toBeEmpty();
    await sidebar.screenshot({
      path: path.join(SHOTS, 'panel-error-dark.png')
    });
    await expect(byTestId(sidebar, 'jp-containerize-tag')).toHaveCount(0);
  });
});

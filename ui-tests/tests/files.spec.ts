import { expect, test } from '@jupyterlab/galata';

import {
  NAME,
  byTestId,
  openNotebook,
  openPanel,
  panel,
  shoot
} from './helpers';

/** A notebook with a local module and a data file (ui-tests/fixtures/local-files). */
const NOTEBOOK = 'fixtures/local-files/prices.ipynb';
const BUILD_TIMEOUT = 4 * 60 * 1000;

test.describe('Containerize panel: local files', () => {
  test('lists the local module and the data file with sizes, and leaves out an unchecked one', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 60_000);
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate('prices.ipynb');
    await page.evaluate(
      path => window.jupyterapp.commands.execute('containerize:open', { path }),
      NOTEBOOK
    );
    const sidebar = panel(page);
    const files = byTestId(sidebar, 'jp-containerize-files');
    await expect(files).toBeVisible({ timeout: 60_000 });

    const module = files.locator('[data-file="pricing.py"]');
    const data = files.locator('[data-file="prices.csv"]');
    await expect(byTestId(module, 'jp-containerize-file-size')).toHaveText(
      'module, 133 B'
    );
    await expect(byTestId(data, 'jp-containerize-file-size')).toHaveText(
      '2.6 kB'
    );
    await expect(module).toHaveAttribute('data-included', 'true');
    await expect(data).toHaveAttribute('data-included', 'true');

    // keyboard: the checkbox is reachable and labelled
    const checkbox = sidebar.getByRole('checkbox', {
      name: 'Copy prices.csv into the image'
    });
    await checkbox.focus();
    await page.keyboard.press('Space');
    await expect(data).toHaveAttribute('data-included', 'false');
    await expect(module).toHaveAttribute('data-included', 'true');
    await shoot(page, 'panel-files', files);

    // the build asks the server to leave the file out, and succeeds without it
    const request = page.waitForRequest(
      r =>
        r.method() === 'POST' &&
        new URL(r.url()).pathname.endsWith('/containerize/builds')
    );
    await byTestId(sidebar, 'jp-containerize-tag-input').fill(
      'prices:ui-files'
    );
    await byTestId(sidebar, 'jp-containerize-build-button').click();
    const body = (await request).postDataJSON();
    expect(body.path).toBe(NOTEBOOK);
    expect(body.exclude_files).toEqual(['prices.csv']);
    await expect(byTestId(sidebar, 'jp-containerize-result')).toBeVisible({
      timeout: BUILD_TIMEOUT
    });
    await expect(byTestId(sidebar, 'jp-containerize-tag')).toHaveText(
      'prices:ui-files'
    );

    // another notebook's tab shows that notebook; back on this one, its result is shown again
    await openNotebook(page);
    const title = byTestId(sidebar, 'jp-containerize-notebook');
    await expect(title).toHaveText(NAME);
    await expect(byTestId(sidebar, 'jp-containerize-result')).toHaveCount(0);
    await page.notebook.activate('prices.ipynb');
    await expect(title).toHaveText('prices.ipynb');
    await expect(byTestId(sidebar, 'jp-containerize-tag')).toHaveText(
      'prices:ui-files',
      { timeout: 30_000 }
    );
  });
});

test.describe('Containerize panel: follows the active notebook', () => {
  test('switches to the notebook whose tab is activated, and back', async ({
    page
  }) => {
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);
    const title = byTestId(sidebar, 'jp-containerize-notebook');
    await expect(title).toHaveText(NAME);

    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate('prices.ipynb');
    await expect(title).toHaveText('prices.ipynb');
    await expect(byTestId(sidebar, 'jp-containerize-files')).toBeVisible({
      timeout: 60_000
    });
    await expect(sidebar.locator('[data-package="pandas"]')).toHaveCount(0);

    await page.notebook.activate(NAME);
    await expect(title).toHaveText(NAME);
    await expect(sidebar.locator('[data-package="pandas"]')).toBeVisible({
      timeout: 60_000
    });
  });
});

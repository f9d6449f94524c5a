import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import {
  NAME,
  NOTEBOOK,
  SHOTS,
  byTestId,
  expectAccessible,
  expectPackages,
  openNotebook,
  panel,
  shoot
} from './helpers';

test.describe('Containerize panel: entry points', () => {
  test('opens from the notebook toolbar button', async ({ page }) => {
    await openNotebook(page);
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
    await expect(byTestId(sidebar, 'jp-containerize-kernel')).toHaveText(
      'Python 3 (ipykernel)'
    );
    await expect(
      sidebar.locator(
        '[data-package="pandas"] [data-testid="jp-containerize-source"]'
      )
    ).toHaveText('kernel');
    await expect(byTestId(sidebar, 'jp-containerize-platform')).toHaveValue(
      'linux/amd64'
    );
    await expect(byTestId(sidebar, 'jp-containerize-tag-input')).toHaveValue(
      'sales-report:{lock}'
    );
    await shoot(page, 'panel-packages');
  });

  test('opens from the command palette', async ({ page }) => {
    await openNotebook(page);
    const palette = page.locator('#command-palette');
    // the palette opens once the shell takes commands: ask again until it shows
    await expect(async () => {
      await page.evaluate(() =>
        window.jupyterapp.commands.execute('apputils:activate-command-palette')
      );
      await expect(palette).toBeVisible({ timeout: 3_000 });
    }).toPass({ timeout: 30_000 });
    await palette
      .locator('.lm-CommandPalette-input')
      .fill('Containerize Notebook');
    await palette
      .locator('.lm-CommandPalette-item', { hasText: 'Containerize Notebook' })
      .first()
      .click();
    await expectPackages(page);
  });

  test('opens with the keyboard shortcut Alt+Shift+C', async ({ page }) => {
    await openNotebook(page);
    await page.keyboard.press('Alt+Shift+C');
    await expectPackages(page);
    // every control of the panel is labelled, and reachable with Tab
    await expectAccessible(page);
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

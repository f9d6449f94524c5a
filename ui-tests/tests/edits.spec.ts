import { expect, test } from '@jupyterlab/galata';

import {
  addPackage,
  byTestId,
  openNotebook,
  openPanel,
  panel,
  reloadAndOpenPanel
} from './helpers';

test.describe('Containerize panel: edits', () => {
  test('keeps the package edits of a notebook across a page reload', async ({
    page
  }) => {
    await openNotebook(page);
    await openPanel(page);
    let sidebar = panel(page);
    await addPackage(sidebar, 'tabulate', '0.9.0');
    const matplotlib = sidebar.locator('[data-package="matplotlib"]');
    await byTestId(matplotlib, 'jp-containerize-remove').click();
    await expect(matplotlib).toHaveAttribute('data-status', 'removed');
    // JupyterLab saves its state database with the workspace, shortly after a change
    const saved = page.waitForRequest(
      request =>
        request.method() === 'PUT' && request.url().includes('/api/workspaces')
    );
    await byTestId(sidebar, 'jp-containerize-tag-input').fill(
      'sales-report:kept'
    );
    await saved;

    await reloadAndOpenPanel(page);
    sidebar = panel(page);
    await expect(sidebar.locator('[data-package="tabulate"]')).toHaveAttribute(
      'data-status',
      'added'
    );
    await expect(
      byTestId(
        sidebar.locator('[data-package="tabulate"]'),
        'jp-containerize-version-input'
      )
    ).toHaveValue('0.9.0');
    await expect(
      sidebar.locator('[data-package="matplotlib"]')
    ).toHaveAttribute('data-status', 'removed');
    await expect(byTestId(sidebar, 'jp-containerize-tag-input')).toHaveValue(
      'sales-report:kept'
    );
    // the kernel's name comes from the server when the notebook is not open
    await expect(byTestId(sidebar, 'jp-containerize-kernel')).not.toBeEmpty();

    // reset forgets them, for good
    await byTestId(sidebar, 'jp-containerize-reset-edits').click();
    await expect(sidebar.locator('[data-package="tabulate"]')).toHaveCount(0);
  });
});

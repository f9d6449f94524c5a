import { expect, test } from '@jupyterlab/galata';

import { byTestId, openNotebook, openPanel, panel, shoot } from './helpers';

/** The registry jupyter_server_test_config.py starts, holding the base image. */
const REGISTRY = process.env.CONTAINERIZE_UI_REGISTRY || '127.0.0.1:5055';

test.describe('Containerize panel: without the engine', () => {
  test('assembles the image here, pushes it, and shows the digest', async ({
    page
  }) => {
    test.setTimeout(5 * 60 * 1000);
    await openNotebook(page);
    await openPanel(page);
    const sidebar = panel(page);

    await byTestId(sidebar, 'jp-containerize-output').selectOption('registry');
    await byTestId(sidebar, 'jp-containerize-base-image-input').fill(
      `${REGISTRY}/base/python:3.11`
    );
    await byTestId(sidebar, 'jp-containerize-registry-input').fill(
      `${REGISTRY}/team`
    );
    await byTestId(sidebar, 'jp-containerize-build-button').click();

    const result = byTestId(sidebar, 'jp-containerize-result');
    await expect(result).toBeVisible({ timeout: 4 * 60 * 1000 });
    await expect(byTestId(result, 'jp-containerize-made-by')).toHaveAttribute(
      'data-output',
      'registry'
    );
    await expect(byTestId(result, 'jp-containerize-digest')).toHaveText(
      new RegExp(
        `^${REGISTRY.replace(/\./g, '\\.')}/team/sales-report@sha256:[0-9a-f]{64}$`
      )
    );
    await shoot(page, 'panel-registry-result', result);
  });
});

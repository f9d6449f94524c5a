import { expect, test } from '@jupyterlab/galata';

import { byTestId, panel, shoot } from './helpers';

/** A notebook with (fake) AWS keys in a cell (ui-tests/fixtures/secrets). */
const NOTEBOOK = 'fixtures/secrets/upload-report.ipynb';
const BUILD_TIMEOUT = 4 * 60 * 1000;

test.describe('Containerize panel: possible secrets', () => {
  test('warns about the keys and refuses to build until "Include anyway"', async ({
    page
  }) => {
    test.setTimeout(BUILD_TIMEOUT + 60_000);
    await page.notebook.openByPath(NOTEBOOK);
    await page.notebook.activate('upload-report.ipynb');
    await page.evaluate(
      path => window.jupyterapp.commands.execute('containerize:open', { path }),
      NOTEBOOK
    );
    const sidebar = panel(page);
    const secrets = byTestId(sidebar, 'jp-containerize-secrets');
    await expect(secrets).toBeVisible({ timeout: 60_000 });
    const rows = byTestId(secrets, 'jp-containerize-secret');
    await expect(rows).toHaveText([
      'Possible secret: AWS Access Key, cell 2 line 3',
      'Possible secret: AWS Access Key, Base64 High Entropy String, Secret Keyword, cell 2 line 4'
    ]);
    await expect(sidebar).not.toContainText('AKIAIOSFODNN7EXAMPLE');

    // refused, and the panel says why
    const build = byTestId(sidebar, 'jp-containerize-build-button');
    await byTestId(sidebar, 'jp-containerize-tag-input').fill('upload:ui');
    await expect(build).toBeDisabled();
    await expect(build).toHaveAttribute('title', /Possible secrets/);
    await expect(
      byTestId(sidebar, 'jp-containerize-build-blocked')
    ).toContainText('Include anyway');
    await shoot(page, 'panel-secrets', secrets);

    // confirmed: the request allows them and the server builds
    const allow = byTestId(secrets, 'jp-containerize-allow-secrets');
    await allow.check();
    await expect(build).toBeEnabled();
    await expect(
      byTestId(sidebar, 'jp-containerize-build-blocked')
    ).toHaveCount(0);
    const request = page.waitForRequest(
      r =>
        r.method() === 'POST' &&
        new URL(r.url()).pathname.endsWith('/containerize/builds')
    );
    await build.click();
    const body = (await request).postDataJSON();
    expect(body.path).toBe(NOTEBOOK);
    expect(body.allow_secrets).toBe(true);
    await expect(byTestId(sidebar, 'jp-containerize-result')).toBeVisible({
      timeout: BUILD_TIMEOUT
    });

    // unchecked again: refused again
    await allow.uncheck();
    await expect(build).toBeDisabled();
  });
});

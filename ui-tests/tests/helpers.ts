import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

/** The example notebook, copied into the server root by jupyter_server_test_config.py. */
export const NOTEBOOK =
  process.env.CONTAINERIZE_UI_NOTEBOOK || 'examples/sales-report.ipynb';
export const NAME = path.basename(NOTEBOOK);
/** Where the screenshots of the panel go (kept as CI artefacts). */
export const SHOTS = path.join(__dirname, '..', 'test-results', 'screenshots');

export const panel = (page: IJupyterLabPageFixture): Locator =>
  page.locator('#jp-containerize-panel');
export const byTestId = (root: Locator, id: string): Locator =>
  root.locator(`[data-testid="${id}"]`);

/**
 * Chromium aborts the requests in flight with net::ERR_NETWORK_CHANGED when Docker adds or
 * removes a container's network interface (a build's verify run, a run), and JupyterLab then
 * reports "File Load Error for NAME Failed to fetch" for a document it was loading: the
 * host's doing, not the extension's. Dismiss that dialog when it blocks a test's action.
 */
export async function dismissNetworkChangeErrors(
  page: IJupyterLabPageFixture
): Promise<void> {
  await page.addLocatorHandler(
    page.locator(
      'dialog.jp-Dialog[aria-label^="File Load Error"][aria-label$="Failed to fetch"]'
    ),
    async dialog => {
      await dialog.locator('.jp-Dialog-footer button').last().click();
    }
  );
}

/** A notebook whose job sleeps for two minutes (ui-tests/fixtures/long-job): with Verify
 * checked, its build stays running long enough to reload the page or cancel it. */
export const LONG_NOTEBOOK = 'fixtures/long-job/nightly-refresh.ipynb';

/** The panel shows the notebook's packages (both notebooks import pandas). */
export async function expectPackages(
  page: IJupyterLabPageFixture,
  notebook = NOTEBOOK
): Promise<void> {
  const sidebar = panel(page);
  await expect(sidebar).toBeVisible();
  await expect(byTestId(sidebar, 'jp-containerize-notebook')).toHaveText(
    path.basename(notebook)
  );
  await expect(sidebar.locator('[data-package="pandas"]')).toBeVisible({
    timeout: 60_000
  });
}

export async function openNotebook(
  page: IJupyterLabPageFixture,
  notebook = NOTEBOOK
): Promise<void> {
  await page.notebook.openByPath(notebook);
  await page.notebook.activate(path.basename(notebook));
}

/** Open the panel through its command, as the keyboard shortcut does. */
export async function openPanel(
  page: IJupyterLabPageFixture,
  notebook = NOTEBOOK
): Promise<void> {
  await page.evaluate(
    id => window.jupyterapp.commands.execute(id),
    'containerize:open'
  );
  await expectPackages(page, notebook);
}

/**
 * Reload the page (the restored workspace shows the notebook, not the Launcher Galata waits
 * for), then open the panel on the notebook, which need not be open.
 */
export async function reloadAndOpenPanel(
  page: IJupyterLabPageFixture,
  notebook = NOTEBOOK
): Promise<void> {
  await page.reload({ waitForIsReady: false });
  await page
    .locator('#jupyterlab-splash')
    .waitFor({ state: 'detached', timeout: 60_000 });
  await page.evaluate(
    path => window.jupyterapp.commands.execute('containerize:open', { path }),
    notebook
  );
  await expectPackages(page, notebook);
}

async function setTheme(
  page: IJupyterLabPageFixture,
  theme: 'JupyterLab Light' | 'JupyterLab Dark'
): Promise<void> {
  await page.evaluate(
    name =>
      window.jupyterapp.commands.execute('apputils:change-theme', {
        theme: name
      }),
    theme
  );
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-name',
    theme
  );
  await page.waitForTimeout(300); // CSS variables settle
}

/**
 * Screenshots of `target` in the light and the dark theme: NAME-light.png, NAME-dark.png.
 */
export async function shootThemes(
  page: IJupyterLabPageFixture,
  target: Locator,
  name: string
): Promise<void> {
  await target.screenshot({ path: path.join(SHOTS, `${name}-light.png`) });
  await setTheme(page, 'JupyterLab Dark');
  await target.screenshot({ path: path.join(SHOTS, `${name}-dark.png`) });
  await setTheme(page, 'JupyterLab Light');
}

/** Screenshots of the panel in both themes, scrolled to `focus` when given. */
export async function shoot(
  page: IJupyterLabPageFixture,
  name: string,
  focus?: Locator
): Promise<void> {
  if (focus) {
    await focus.scrollIntoViewIfNeeded();
  }
  await shootThemes(page, panel(page), name);
}

/** Add a package through the panel's form. */
export async function addPackage(
  sidebar: Locator,
  name: string,
  version = ''
): Promise<void> {
  await byTestId(sidebar, 'jp-containerize-add-name').fill(name);
  await byTestId(sidebar, 'jp-containerize-add-version').fill(version);
  await byTestId(sidebar, 'jp-containerize-add-name').press('Enter');
  await expect(sidebar.locator(`[data-package="${name}"]`)).toHaveAttribute(
    'data-status',
    'added'
  );
}

/** Wait until the build runs one of `phases`. */
export async function waitForPhase(
  sidebar: Locator,
  phases: RegExp,
  timeout = 120_000
): Promise<void> {
  await expect(byTestId(sidebar, 'jp-containerize-phase')).toHaveAttribute(
    'data-phase',
    phases,
    { timeout }
  );
}

/**
 * Every control of the panel is labelled (for screen readers), and none is taken out of the
 * tab order (for the keyboard).
 */
export async function expectAccessible(
  page: IJupyterLabPageFixture
): Promise<void> {
  const unlabelled = await panel(page).evaluate(root =>
    Array.from(root.querySelectorAll('input, select, button'))
      .filter(el => {
        const html = el as HTMLInputElement;
        const labelled =
          html.getAttribute('aria-label') ||
          html.getAttribute('aria-labelledby') ||
          (html.id && root.querySelector(`label[for="${html.id}"]`)) ||
          html.closest('label') ||
          (el.tagName === 'BUTTON' && (el.textContent ?? '').trim());
        return !labelled;
      })
      .map(el => el.outerHTML.slice(0, 80))
  );
  expect(unlabelled).toEqual([]);
  const untabbable = await panel(page).evaluate(root =>
    Array.from(root.querySelectorAll('input, select, button, summary, a'))
      .filter(el => (el as HTMLElement).tabIndex < 0)
      .map(el => el.outerHTML.slice(0, 80))
  );
  expect(untabbable).toEqual([]);
}

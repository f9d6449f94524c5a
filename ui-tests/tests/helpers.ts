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

/** The panel shows the example notebook's packages. */
export async function expectPackages(
  page: IJupyterLabPageFixture
): Promise<void> {
  const sidebar = panel(page);
  await expect(sidebar).toBeVisible();
  await expect(byTestId(sidebar, 'jp-containerize-notebook')).toHaveText(NAME);
  await expect(sidebar.locator('[data-package="pandas"]')).toBeVisible({
    timeout: 60_000
  });
}

export async function openNotebook(
  page: IJupyterLabPageFixture
): Promise<void> {
  await page.notebook.openByPath(NOTEBOOK);
  await page.notebook.activate(NAME);
}

/** Open the panel through its command, as the keyboard shortcut does. */
export async function openPanel(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(
    id => window.jupyterapp.commands.execute(id),
    'containerize:open'
  );
  await expectPackages(page);
}

/**
 * Reload the page (the restored workspace shows the notebook, not the Launcher Galata waits
 * for), then open the panel on the notebook, which need not be open.
 */
export async function reloadAndOpenPanel(
  page: IJupyterLabPageFixture
): Promise<void> {
  await page.reload({ waitForIsReady: false });
  await page
    .locator('#jupyterlab-splash')
    .waitFor({ state: 'detached', timeout: 60_000 });
  await page.evaluate(
    path => window.jupyterapp.commands.execute('containerize:open', { path }),
    NOTEBOOK
  );
  await expectPackages(page);
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
 * A pin that makes this run's lock new, so the image's pip install step has no layer cache
 * and the build runs long enough to cancel it or reload during it (certifi: small, no deps).
 */
export function uncachedPin(): string {
  const versions = [
    '2017.4.17',
    '2017.7.27.1',
    '2017.11.5',
    '2018.1.18',
    '2018.4.16',
    '2018.8.13',
    '2018.8.24',
    '2018.10.15',
    '2018.11.29',
    '2019.3.9',
    '2019.6.16',
    '2019.9.11',
    '2019.11.28',
    '2020.4.5.1',
    '2020.4.5.2',
    '2020.6.20',
    '2020.11.8',
    '2020.12.5',
    '2021.5.30',
    '2021.10.8',
    '2022.5.18.1',
    '2022.6.15',
    '2022.9.14',
    '2022.9.24',
    '2022.12.7',
    '2023.5.7',
    '2023.7.22',
    '2023.11.17',
    '2024.2.2',
    '2024.6.2',
    '2024.7.4',
    '2024.8.30',
    '2024.12.14',
    '2025.1.31',
    '2025.4.26',
    '2025.6.15',
    '2025.7.9',
    '2025.7.14',
    '2025.8.3',
    '2025.10.5',
    '2025.11.12',
    '2026.1.4'
  ];
  return versions[Math.floor(Math.random() * versions.length)];
}

/**
 * Configuration for Playwright using default from @jupyterlab/galata
 * (Debian's chromium, no browser download, no video: see shared TOOLCHAIN notes).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// The registry the server starts for the push and share tests (jupyter_server_test_config.py).
process.env.CONTAINERIZE_UI_REGISTRY =
  process.env.CONTAINERIZE_UI_REGISTRY || '127.0.0.1:5055';

module.exports = {
  ...baseConfig,
  // A build runs a real Docker engine: give tests room.
  timeout: 5 * 60 * 1000,
  expect: { timeout: 30 * 1000 },
  retries: 0,
  workers: 1,
  outputDir: 'test-results/output',
  reporter: [
    [process.env.CI ? 'line' : 'list'],
    ['html', { open: 'never', outputFolder: 'playwright-report' }]
  ],
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 860 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    }
  },
  webServer: {
    command: 'jlpm start',
    url: 'http://localhost:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};

import { LabIcon } from '@jupyterlab/ui-components';

/**
 * A shipping container: the extension's icon (toolbar, sidebar tab, palette, menus).
 */
const containerSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M2 6.5 12 3l10 3.5v11L12 21 2 17.5zm2 1.4v8.2l7 2.45V10.35zm9 2.45v8.2l7-2.45V7.9zM5.2 6.6 12 9l6.8-2.4L12 4.2z"/>
    <path d="M5.5 10.2l1.2.42v5.6l-1.2-.42zm2.7.95 1.2.42v5.6l-1.2-.42zm6.4.46 1.2-.42v5.6l-1.2.42zm2.7-.95 1.2-.42v5.6l-1.2.42z"/>
  </g>
</svg>`;

export const containerIcon = new LabIcon({
  name: 'jupyter-containerize:container',
  svgstr: containerSvg
});

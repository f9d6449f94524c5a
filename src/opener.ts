/**
 * Opening what a run wrote: the executed notebook, with its failing cell active and in view.
 */
import type { CommandRegistry } from '@lumino/commands';
import type { NotebookPanel } from '@jupyterlab/notebook';

/**
 * Open `path` (relative to the server root) in JupyterLab; with `failedCell` (1-based, in
 * the executed notebook), make that cell the active one and scroll it into the middle.
 */
export async function openRun(
  commands: CommandRegistry,
  path: string,
  failedCell: number | null
): Promise<void> {
  const widget = (await commands.execute('docmanager:open', {
    path,
    factory: 'Notebook'
  })) as NotebookPanel | undefined;
  if (!widget || !failedCell) {
    return;
  }
  await widget.context?.ready;
  await widget.revealed;
  const notebook = widget.content;
  const index = failedCell - 1;
  if (!notebook || index < 0 || index >= notebook.widgets.length) {
    return;
  }
  notebook.activeCellIndex = index;
  notebook.mode = 'command';
  await notebook.scrollToItem(index, 'center');
}

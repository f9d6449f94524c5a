import { Notification } from '@jupyterlab/apputils';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { ContainerizeModel } from '../model';
import { notifyWhenHidden } from '../notify';
import { job } from './fixtures';

const trans = nullTranslator.load('jupyter_containerize');

function setup(visible: boolean) {
  const model = new ContainerizeModel();
  const panel = new Widget();
  jest.spyOn(panel, 'isVisible', 'get').mockReturnValue(visible);
  const open = jest.fn();
  notifyWhenHidden(model, panel, trans, open);
  // `finished` is emitted by the model itself when a followed build ends
  const emit = (j: ReturnType<typeof job>) => (model as any)._finished.emit(j);
  return { emit, open };
}

describe('build notifications', () => {
  let success: jest.SpyInstance;
  let error: jest.SpyInstance;
  beforeEach(() => {
    success = jest.spyOn(Notification, 'success').mockReturnValue('id');
    error = jest.spyOn(Notification, 'error').mockReturnValue('id');
  });
  afterEach(() => jest.restoreAllMocks());

  it('toasts a finished build when the panel is hidden, with a Show action', () => {
    const { emit, open } = setup(false);
    emit(
      job({
        state: 'succeeded',
        result: { tag: 'x:1', image_id: 'sha256:1', size: 1, duration_s: 1 }
      })
    );
    expect(success).toHaveBeenCalledTimes(1);
    expect(success.mock.calls[0][0]).toBe('Image of x.ipynb built: x:1');
    success.mock.calls[0][1].actions[0].callback();
    expect(open).toHaveBeenCalled();
  });

  it('keeps a failure toast until dismissed, and says nothing of a cancel', () => {
    const { emit } = setup(false);
    emit(
      job({ state: 'failed', error: { message: 'pip failed', log_tail: [] } })
    );
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toContain('pip failed');
    expect(error.mock.calls[0][1].autoClose).toBe(false);
    emit(job({ state: 'cancelled' }));
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('stays quiet while the panel shows the build', () => {
    const { emit } = setup(true);
    emit(job({ state: 'failed', error: { message: 'x', log_tail: [] } }));
    expect(error).not.toHaveBeenCalled();
    expect(success).not.toHaveBeenCalled();
  });
});

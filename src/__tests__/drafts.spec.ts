import type { Analysis } from '../api';
import { DRAFTS_STATE_KEY, DraftStore, IDraftState } from '../drafts';
import { ContainerizeModel } from '../model';
import { requestAPI } from '../request';

jest.mock('../request');
const request = requestAPI as jest.MockedFunction<typeof requestAPI>;

const analysis: Analysis = {
  notebook: 'x.ipynb',
  python: { version: '3.11.7', executable: '/usr/bin/python3' },
  requirements: [
    { name: 'pandas', version: '2.2.2', source: 'kernel', reasons: [] }
  ],
  data_files: [{ path: 'big.csv', size: 10 }]
};

/** An in-memory state database, as IStateDB keeps it across a page reload. */
function memoryState(): IDraftState & { data: Map<string, any> } {
  const data = new Map<string, any>();
  return {
    data,
    fetch: async id => JSON.parse(JSON.stringify(data.get(id) ?? null)),
    save: async (id, value) => void data.set(id, value)
  };
}

describe('DraftStore', () => {
  it('saves only notebooks with edits, and reads them back', async () => {
    const state = memoryState();
    const store = new DraftStore(state);
    await store.restored;
    store.set('a.ipynb', {
      added: [{ name: 'rich', version: '' }],
      versions: {},
      removed: [],
      optional: {},
      excluded: []
    });
    store.set('b.ipynb', {
      added: [],
      versions: {},
      removed: [],
      optional: {},
      excluded: []
    });
    expect(Object.keys(state.data.get(DRAFTS_STATE_KEY))).toEqual(['a.ipynb']);
    const again = new DraftStore(state);
    await again.restored;
    expect(again.get('a.ipynb').added).toEqual([{ name: 'rich', version: '' }]);
    expect(again.get('b.ipynb').added).toEqual([]);
  });

  it('fills fields a saved draft lacks, and survives a broken store', async () => {
    const state = memoryState();
    state.data.set(DRAFTS_STATE_KEY, { 'a.ipynb': { removed: ['x'] } });
    const store = new DraftStore(state);
    await store.restored;
    expect(store.get('a.ipynb')).toEqual({
      added: [],
      versions: {},
      removed: ['x'],
      optional: {},
      excluded: []
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const broken = new DraftStore({
      fetch: () => Promise.reject(new Error('no db')),
      save: () => Promise.reject(new Error('no db'))
    });
    await broken.restored;
    broken.delete('a.ipynb');
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});

describe('ContainerizeModel across a page reload', () => {
  beforeEach(() => {
    request.mockReset();
    request.mockImplementation(async (endPoint = '') => {
      if (endPoint.startsWith('analysis')) {
        return analysis as any;
      }
      if (endPoint.startsWith('builds')) {
        return { builds: [] } as any;
      }
      return {
        version: '0',
        base_image_template: 'python:{major}.{minor}-slim',
        tag_template: '{notebook}:{lock}',
        phases: []
      } as any;
    });
  });

  it('keeps the package edits, marks and files of each notebook', async () => {
    const state = memoryState();
    const before = new ContainerizeModel({ state });
    await before.setNotebook('x.ipynb');
    before.addPackage('rich', '13.7.1');
    before.removePackage('pandas');
    before.setFileIncluded('big.csv', false);
    before.setOption('tag', 'x:v1');
    before.dispose();

    const after = new ContainerizeModel({ state });
    const changed = jest.fn();
    after.changed.connect(changed);
    await after.restored;
    expect(changed).toHaveBeenCalled();
    await after.setNotebook('x.ipynb');
    expect(after.request.request).toMatchObject({
      tag: 'x:v1',
      edits: { add: ['rich==13.7.1'], remove: ['pandas'] },
      exclude_files: ['big.csv']
    });
    after.resetDraft();
    const third = new ContainerizeModel({ state });
    await third.restored;
    await third.setNotebook('x.ipynb');
    expect(third.request.request.edits).toEqual({ add: [], remove: [] });
  });
});

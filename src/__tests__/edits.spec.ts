import type { Analysis } from '../api';
import { emptyDraft } from '../draft';
import * as edits from '../edits';

const analysis: Analysis = {
  notebook: 'x.ipynb',
  python: { version: '3.11.7', executable: '/usr/bin/python3' },
  requirements: [
    { name: 'pandas', version: '2.2.2', source: 'kernel', reasons: [] },
    { name: 'rich', source: 'guess', reasons: [], optional: true }
  ]
};

describe('draft edits', () => {
  it('re-pins an analysed package and edits an added one', () => {
    let draft = emptyDraft();
    draft = edits.setVersion(draft, analysis, 'Pandas', '2.1.4');
    expect(draft.versions).toEqual({ pandas: '2.1.4' });
    draft = edits.setVersion(draft, analysis, 'pandas', ' ');
    expect(draft.versions).toEqual({});
    const added = edits.addPackage(draft, analysis, 'Tabulate');
    expect(typeof added).toBe('object');
    draft = edits.setVersion(added as any, analysis, 'tabulate', '0.9');
    expect(draft.added).toEqual([{ name: 'tabulate', version: '0.9' }]);
    expect(edits.addPackage(draft, analysis, 'x', 'not a version')).toBe(
      'version-invalid'
    );
    draft = edits.removePackage(draft, analysis, 'tabulate');
    expect(draft.added).toEqual([]);
  });

  it('marks optional only what differs from the analysis', () => {
    let draft = edits.setOptional(emptyDraft(), analysis, 'rich', false);
    expect(draft.optional).toEqual({ rich: false });
    draft = edits.setOptional(draft, analysis, 'rich', true);
    expect(draft.optional).toEqual({});
  });

  it('includes and excludes files, sets and clears image fields', () => {
    let draft = edits.setFileIncluded(emptyDraft(), 'a.csv', false);
    draft = edits.setFileIncluded(draft, 'a.csv', false);
    expect(draft.excluded).toEqual(['a.csv']);
    draft = edits.setFileIncluded(draft, 'a.csv', true);
    expect(draft.excluded).toEqual([]);
    draft = edits.setOption(draft, 'tag', 'x:1');
    expect(draft.tag).toBe('x:1');
    draft = edits.setOption(draft, 'tag', undefined);
    expect('tag' in draft).toBe(false);
  });
});

import {
  REFERENCE,
  checkReference,
  checkRegistry,
  joinReference,
  nameHash,
  renderTagTemplate,
  slug
} from '../tags';
// The verdicts of jupyter_containerize/tags.py's REFERENCE on the same strings; regenerate with
// python -c "import json; from jupyter_containerize.tags import REFERENCE; ..." (see the report).
import verdicts from './references.json';

describe('image references', () => {
  it.each(Object.entries(verdicts as Record<string, boolean>))(
    'matches the server grammar for %j',
    (reference, valid) => {
      expect(REFERENCE.test(reference)).toBe(valid);
    }
  );

  it('explains what is wrong', () => {
    expect(checkReference('sales-report:v1')).toBeNull();
    expect(checkReference('')).toBe('empty');
    expect(checkReference('Sales Report')).toBe('grammar');
    expect(checkReference(`x/${'a'.repeat(260)}`)).toBe('too-long');
  });

  it('takes {lock} for the 12 hex digits the server fills in', () => {
    expect(checkReference('sales-report:{lock}')).toBeNull();
    expect(checkReference('{lock}')).toBeNull();
    expect(checkReference('x:{other}')).toBe('grammar');
  });

  it('checks registries and joins them to tags', () => {
    expect(checkRegistry('')).toBeNull();
    expect(checkRegistry('localhost:5000/team/')).toBeNull();
    expect(checkRegistry('ghcr.io')).toBeNull();
    expect(checkRegistry('http://x')).toBe('grammar');
    expect(joinReference('localhost:5000/team//', 'x:1')).toBe(
      'localhost:5000/team/x:1'
    );
    expect(joinReference('  ', ' x:1 ')).toBe('x:1');
  });

  it('fills {notebook} as the server does', () => {
    expect(slug('dir/Sales Report (v2).ipynb')).toBe(
      `sales-report-v2-${nameHash('Sales Report (v2)')}`
    );
    expect(slug('dir/sales-report.ipynb')).toBe('sales-report');
    expect(slug('Sales-Report.ipynb')).toBe('sales-report');
    // the same values as the server's tags.slug / tags.name_hash (tests/test_tags.py)
    expect(nameHash('')).toBe('811c9dc5');
    expect(nameHash('a')).toBe('e40c292c');
    expect(slug('___.ipynb')).toBe(`notebook-${nameHash('___')}`);
    expect(slug('ノート 📓.ipynb')).not.toBe(slug('---.ipynb'));
    expect(slug(`${'x'.repeat(300)}.ipynb`).length).toBeLessThanOrEqual(73);
    expect(renderTagTemplate('{notebook}:{lock}', 'a/Sales.ipynb')).toBe(
      'sales:{lock}'
    );
  });
});

describe('slug matches the server for names beyond ASCII', () => {
  it('hashes the UTF-8 bytes', () => {
    // tags.slug('ノート 📓') and tags.slug('Sales Report (v2)') on the server
    expect(slug('ノート 📓.ipynb')).toBe('notebook-2467556a');
    expect(slug('Sales Report (v2).ipynb')).toBe('sales-report-v2-e57af452');
  });
});

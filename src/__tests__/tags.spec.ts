import {
  REFERENCE,
  checkReference,
  checkRegistry,
  joinReference,
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
    expect(slug('dir/Sales Report (v2).ipynb')).toBe('sales-report-v2');
    expect(slug('___.ipynb')).toBe('notebook');
    expect(renderTagTemplate('{notebook}:{lock}', 'a/Sales.ipynb')).toBe(
      'sales:{lock}'
    );
  });
});

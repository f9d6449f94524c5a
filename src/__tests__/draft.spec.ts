import type { Analysis } from '../api';
import {
  EMPTY_DEFAULTS,
  IDraft,
  buildRequest,
  editCount,
  fileRows,
  checkPackageName,
  checkVersion,
  emptyDraft,
  hasProblems,
  packageEdits,
  packageRows,
  pendingSecrets,
  secretRows,
  specFor
} from '../draft';
import { nameHash, slug } from '../tags';

const analysis: Analysis = {
  notebook: 'examples/x.ipynb',
  python: { version: '3.11.7', executable: '/usr/bin/python3' },
  requirements: [
    {
      name: 'pandas',
      version: '2.2.2',
      source: 'kernel',
      reasons: ['import pandas (cell 1)']
    },
    {
      name: 'pyarrow',
      version: null,
      source: 'implied',
      reasons: ['implied by read_parquet (cell 2)']
    },
    {
      name: 'rich',
      version: null,
      source: 'alias',
      reasons: ['import rich (cell 3)'],
      optional: true
    },
    {
      name: 'foo-bar',
      version: null,
      source: 'guess',
      reasons: ['import foo_bar (cell 4)']
    }
  ]
};

function draft(extra: Partial<IDraft> = {}): IDraft {
  return { ...emptyDraft(), ...extra };
}

describe('package names and versions', () => {
  it('validates as PEP 508 does', () => {
    expect(checkPackageName('scikit-learn')).toBeNull();
    expect(checkPackageName('zope.interface')).toBeNull();
    expect(checkPackageName('')).toBe('name-empty');
    expect(checkPackageName('-x')).toBe('name-invalid');
    expect(checkPackageName('a b')).toBe('name-invalid');
    expect(checkVersion('')).toBeNull();
    expect(checkVersion('1.2.3')).toBeNull();
    expect(checkVersion('2.0rc1')).toBeNull();
    expect(checkVersion('>=1.2, <2')).toBeNull();
    expect(checkVersion('~=1.4')).toBeNull();
    expect(checkVersion('1 2')).toBe('version-invalid');
    expect(checkVersion('>=')).toBe('version-invalid');
  });

  it('writes specs with == for a bare version', () => {
    expect(specFor('Tabulate', '0.9.0')).toBe('tabulate==0.9.0');
    expect(specFor('Foo_Bar', '>=1, <2')).toBe('foo-bar>=1,<2');
    expect(specFor('rich', ' ')).toBe('rich');
  });
});

describe('package edits', () => {
  it('sends nothing without edits', () => {
    expect(packageEdits(analysis, draft())).toEqual({ add: [], remove: [] });
  });

  it('adds, re-pins and removes', () => {
    const edits = packageEdits(
      analysis,
      draft({
        added: [
          { name: 'Tabulate', version: '0.9.0' },
          { name: 'rich-click', version: '' }
        ],
        versions: { pandas: '2.1.4' },
        removed: ['pyarrow']
      })
    );
    expect(edits).toEqual({
      add: ['pandas==2.1.4', 'tabulate==0.9.0', 'rich-click'],
      remove: ['pyarrow']
    });
  });

  it('ignores a "new" version equal to the kernel one', () => {
    expect(
      packageEdits(analysis, draft({ versions: { pandas: '2.2.2' } }))
    ).toEqual({
      add: [],
      remove: []
    });
  });

  it('sends the optional marks for the lock to apply', () => {
    expect(
      packageEdits(
        analysis,
        draft({ optional: { 'foo-bar': true, rich: false } })
      )
    ).toEqual({
      add: [],
      remove: [],
      optional: { 'foo-bar': true, rich: false }
    });
  });

  it('drops the marks of removed packages', () => {
    expect(
      packageEdits(
        analysis,
        draft({ optional: { 'foo-bar': true }, removed: ['foo-bar'] })
      )
    ).toEqual({ add: [], remove: ['foo-bar'] });
  });

  it('a removed package wins over its new version', () => {
    expect(
      packageEdits(
        analysis,
        draft({ removed: ['pandas'], versions: { pandas: '1.0' } })
      )
    ).toEqual({ add: [], remove: ['pandas'] });
  });
});

describe('package rows', () => {
  it('flags what needs attention', () => {
    const rows = packageRows(
      analysis,
      draft({
        added: [{ name: 'tabulate', version: 'x y' }],
        removed: ['pandas']
      })
    );
    expect(
      rows.map(r => [r.name, r.status, r.unresolved, r.guess, r.source])
    ).toEqual([
      ['pandas', 'removed', false, false, 'kernel'],
      ['pyarrow', 'analysed', true, false, 'implied'],
      ['rich', 'analysed', true, false, 'alias'],
      ['foo-bar', 'analysed', true, true, 'guess'],
      ['tabulate', 'added', false, false, 'user']
    ]);
    expect(rows[2].optional).toBe(true);
    expect(rows[4].problem).toBe('version-invalid');
  });
});

describe('build request', () => {
  const path = 'examples/Sales Report.ipynb';

  it('leaves the tag to the server while it is the server template', () => {
    const { request, problems } = buildRequest(
      path,
      analysis,
      draft(),
      EMPTY_DEFAULTS
    );
    expect(hasProblems(problems)).toBe(false);
    expect(request).toEqual({
      path,
      platform: 'linux/amd64',
      push: false,
      verify: false,
      edits: { add: [], remove: [] }
    });
  });

  it('sends who makes the image only when the user chose one', () => {
    const auto = buildRequest(path, analysis, draft(), EMPTY_DEFAULTS).request;
    expect(auto.output).toBeUndefined(); // the server picks: the engine, else the registry
    for (const output of ['engine', 'registry', 'archive']) {
      const chosen = buildRequest(
        path,
        analysis,
        draft({ output }),
        EMPTY_DEFAULTS
      );
      expect(chosen.request.output).toBe(output);
    }
  });

  it('sends the user choices', () => {
    const { request, problems } = buildRequest(
      path,
      analysis,
      draft({
        tag: 'sales:v1',
        registry: 'localhost:5000/team/',
        platform: 'linux/arm64',
        push: true,
        verify: true,
        baseImage: 'jupyter-containerize/python:3.11-bookworm',
        added: [{ name: 'tabulate', version: '' }]
      }),
      EMPTY_DEFAULTS
    );
    expect(hasProblems(problems)).toBe(false);
    expect(request).toEqual({
      path,
      tag: 'sales:v1',
      registry: 'localhost:5000/team',
      base_image: 'jupyter-containerize/python:3.11-bookworm',
      platform: 'linux/arm64',
      push: true,
      verify: true,
      edits: { add: ['tabulate'], remove: [] }
    });
  });

  it('uses the settings as defaults', () => {
    const { request } = buildRequest(path, analysis, draft(), {
      ...EMPTY_DEFAULTS,
      tagTemplate: 'team-{notebook}:v2',
      registry: 'localhost:5000',
      push: true
    });
    // "Sales Report" is not a slug as it is: its slug carries a hash of the name
    expect(request.tag).toBe(`team-${slug(path)}:v2`);
    expect(slug(path)).toBe(`sales-report-${nameHash('Sales Report')}`);
    expect(request.registry).toBe('localhost:5000');
    expect(request.push).toBe(true);
  });

  it('leaves the server its registry, and sends {lock} in the user tag', () => {
    const defaults = {
      ...EMPTY_DEFAULTS,
      registry: 'r:5000',
      serverRegistry: 'r:5000'
    };
    expect(
      buildRequest(path, analysis, draft(), defaults).request.tag
    ).toBeUndefined();
    const own = buildRequest(
      path,
      analysis,
      draft({ tag: 'mine:{lock}' }),
      defaults
    ).request;
    expect([own.tag, own.registry]).toEqual(['mine:{lock}', 'r:5000']);
    const none = buildRequest(
      path,
      analysis,
      draft({ registry: '' }),
      defaults
    ).request;
    expect([none.tag, none.registry]).toEqual([`${slug(path)}:{lock}`, '']);
  });

  it('sends the files left out, when the analysis lists them', () => {
    const withFiles = {
      ...analysis,
      local_modules: ['helper.py'],
      local_module_sizes: { 'helper.py': 2048 },
      data_files: [{ path: 'data/big.csv', size: 5e6, large: true }]
    };
    const excluded = draft({ excluded: ['data/big.csv', 'gone.csv'] });
    expect(
      buildRequest(path, withFiles, excluded, EMPTY_DEFAULTS).request
        .exclude_files
    ).toEqual(['data/big.csv']);
    expect(fileRows(withFiles, excluded)).toEqual([
      {
        path: 'helper.py',
        kind: 'module',
        size: 2048,
        large: false,
        included: true
      },
      {
        path: 'data/big.csv',
        kind: 'data',
        size: 5e6,
        large: true,
        included: false
      }
    ]);
    expect(editCount(excluded)).toBe(2);
  });

  it('reports invalid fields and {lock} outside the server template', () => {
    const bad = (extra: Partial<IDraft>) =>
      buildRequest(path, analysis, draft(extra), EMPTY_DEFAULTS).problems;
    expect(bad({ tag: 'Sales Report' }).tag).toBe('tag-invalid');
    expect(bad({ tag: '' }).tag).toBe('tag-empty');
    expect(bad({ registry: 'localhost:5000' }).tag).toBeNull();
    expect(bad({ tag: 'mine:{lock}' }).tag).toBeNull();
    expect(bad({ tag: 'Mine:{lock}' }).tag).toBe('tag-invalid');
    expect(bad({ registry: 'http://x' }).registry).toBe('registry-invalid');
    expect(bad({ baseImage: 'Python 3' }).baseImage).toBe('base-invalid');
    expect(bad({ versions: { pandas: 'not a version' } }).packages).toEqual({
      pandas: 'version-invalid'
    });
    expect(
      bad({ versions: { pandas: 'x x' }, removed: ['pandas'] }).packages
    ).toEqual({});
  });

  it('leaves out the secrets of a file with its folder, not with a name prefix', () => {
    const leaky: Analysis = {
      ...analysis,
      data_files: [
        { path: 'con', size: 1 },
        { path: 'conf', size: 1 }
      ],
      secrets: [
        { path: 'conf/a.ini', line: 1, kind: 'Secret Keyword' },
        { path: 'con', line: 2, kind: 'Secret Keyword' }
      ]
    };
    expect(secretRows(leaky, draft({})).map(row => row.file)).toEqual([
      'conf',
      'con'
    ]);
    expect(pendingSecrets(leaky, draft({ excluded: ['con'] }))).toEqual([
      'conf/a.ini|||1|Secret Keyword'
    ]);
    expect(pendingSecrets(leaky, draft({ excluded: ['conf'] }))).toEqual([
      'con|||2|Secret Keyword'
    ]);
    const confirmed = draft({
      allowedSecrets: ['conf/a.ini|||1|Secret Keyword']
    });
    expect(
      buildRequest(path, leaky, confirmed, EMPTY_DEFAULTS).problems.secrets
    ).toBe('secrets-unconfirmed');
    const both = draft({
      excluded: ['con'],
      allowedSecrets: ['conf/a.ini|||1|Secret Keyword']
    });
    const built = buildRequest(path, leaky, both, EMPTY_DEFAULTS);
    expect(built.problems.secrets).toBeNull();
    expect(built.request.allow_secrets).toBe(true);
    expect(editCount(both)).toBe(2);
  });
});

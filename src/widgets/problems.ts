import type { TranslationBundle } from '@jupyterlab/translation';

import type { FieldProblem } from '../draft';

/** What to tell the user about a field that can't be used as typed. */
export function problemText(
  problem: FieldProblem,
  trans: TranslationBundle
): string {
  switch (problem) {
    case 'name-empty':
      return trans.__('Type the name of a package.');
    case 'name-invalid':
      return trans.__(
        'A package name has letters, digits, and . _ - inside (e.g. scikit-learn).'
      );
    case 'version-invalid':
      return trans.__('Use a version (1.2.3) or a specifier (>=1.2,<2).');
    case 'tag-empty':
      return trans.__('Give the image a name.');
    case 'tag-invalid':
      return trans.__(
        'Use lowercase letters, digits and separators (. _ -), optionally a registry host and a :tag, e.g. sales-report:v1.'
      );
    case 'tag-too-long':
      return trans.__('An image reference has at most 255 characters.');
    case 'registry-invalid':
      return trans.__(
        'A registry is a host (and path), e.g. localhost:5000/team.'
      );
    case 'base-invalid':
      return trans.__(
        'Not a valid image reference, e.g. python:3.11-slim or registry.example/team/python:3.11.'
      );
    case 'secrets-unconfirmed':
      return trans.__(
        'Possible secrets would be copied into the image: remove them, leave their files out, or check "Include anyway".'
      );
  }
}

/** How a package came to be needed, for the Source column. */
export function sourceLabel(source: string, trans: TranslationBundle): string {
  switch (source) {
    case 'kernel':
      return trans.__('kernel');
    case 'alias':
      return trans.__('alias');
    case 'guess':
      return trans.__('guess');
    case 'implied':
      return trans.__('implied');
    case 'magic':
      return trans.__('%pip');
    case 'user':
      return trans.__('you');
    default:
      return source;
  }
}

export function sourceHelp(source: string, trans: TranslationBundle): string {
  switch (source) {
    case 'kernel':
      return trans.__(
        'The kernel has this distribution installed and it provides the import.'
      );
    case 'alias':
      return trans.__(
        'A known alias maps the import name to this distribution (e.g. cv2 → opencv-python).'
      );
    case 'guess':
      return trans.__(
        'Guessed from the import name: the kernel lacks it and no alias is known. Check it.'
      );
    case 'implied':
      return trans.__(
        'Not imported, but a call in the notebook needs it (e.g. read_parquet needs pyarrow).'
      );
    case 'magic':
      return trans.__('A %pip install line of the notebook asks for it.');
    case 'user':
      return trans.__('Added by you.');
    default:
      return source;
  }
}

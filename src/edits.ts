/**
 * The user's edits of a draft, as pure functions: each takes the draft (and the analysis)
 * and returns the new draft. `ContainerizeModel` applies them to the current notebook's.
 */
import type { Analysis } from './api';
import {
  FieldProblem,
  IDraft,
  IImageFields,
  checkPackageName,
  checkVersion,
  normaliseName,
  secretKey
} from './draft';

function analysed(analysis: Analysis | null, name: string) {
  return (analysis?.requirements ?? []).find(
    r => normaliseName(r.name) === name
  );
}

/**
 * Add a package (or pin an analysed one to `version`); a problem when it can't be added.
 */
export function addPackage(
  draft: IDraft,
  analysis: Analysis | null,
  name: string,
  version = ''
): IDraft | FieldProblem {
  const problem = checkPackageName(name) ?? checkVersion(version);
  if (problem) {
    return problem;
  }
  const key = normaliseName(name);
  const pin = version.trim();
  if (analysed(analysis, key)) {
    return {
      ...draft,
      removed: draft.removed.filter(n => n !== key),
      versions: pin ? { ...draft.versions, [key]: pin } : draft.versions
    };
  }
  return {
    ...draft,
    added: [
      ...draft.added.filter(p => normaliseName(p.name) !== key),
      { name: key, version: pin }
    ]
  };
}

/** Change the version of a package ('' goes back to the kernel's). */
export function setVersion(
  draft: IDraft,
  analysis: Analysis | null,
  name: string,
  version: string
): IDraft {
  const key = normaliseName(name);
  if (analysed(analysis, key)) {
    const versions = { ...draft.versions };
    if (version.trim()) {
      versions[key] = version;
    } else {
      delete versions[key];
    }
    return { ...draft, versions };
  }
  return {
    ...draft,
    added: draft.added.map(p =>
      normaliseName(p.name) === key ? { ...p, version } : p
    )
  };
}

/** Leave a package out of the image (an added one is forgotten). */
export function removePackage(
  draft: IDraft,
  analysis: Analysis | null,
  name: string
): IDraft {
  const key = normaliseName(name);
  if (analysed(analysis, key)) {
    return {
      ...draft,
      removed: [...draft.removed.filter(n => n !== key), key]
    };
  }
  return {
    ...draft,
    added: draft.added.filter(p => normaliseName(p.name) !== key)
  };
}

/** Undo `removePackage` of an analysed package. */
export function restorePackage(draft: IDraft, name: string): IDraft {
  const key = normaliseName(name);
  return { ...draft, removed: draft.removed.filter(n => n !== key) };
}

/** Mark an import optional (left out when the kernel lacks it) or required. */
export function setOptional(
  draft: IDraft,
  analysis: Analysis | null,
  name: string,
  optional: boolean
): IDraft {
  const key = normaliseName(name);
  const found = analysed(analysis, key);
  const marks = { ...draft.optional };
  if (found && !!found.optional === optional) {
    delete marks[key];
  } else {
    marks[key] = optional;
  }
  return { ...draft, optional: marks };
}

/** Copy a local module or data file into the image, or leave it out. */
export function setFileIncluded(
  draft: IDraft,
  path: string,
  included: boolean
): IDraft {
  const excluded = (draft.excluded ?? []).filter(p => p !== path);
  return { ...draft, excluded: included ? excluded : [...excluded, path] };
}

/**
 * Ship the possible secrets the analysis found ("Include anyway"), or not. The confirmation
 * covers these findings only: a new or moved one needs another.
 */
export function setSecretsAllowed(
  draft: IDraft,
  analysis: Analysis | null,
  allowed: boolean
): IDraft {
  const next: IDraft = { ...draft };
  delete next.allowedSecrets;
  if (allowed) {
    next.allowedSecrets = (analysis?.secrets ?? []).map(secretKey);
  }
  return next;
}

/** Set an image field (platform, tag...); undefined goes back to the default. */
export function setOption<K extends keyof IImageFields>(
  draft: IDraft,
  key: K,
  value: IImageFields[K] | undefined
): IDraft {
  const next: IDraft = { ...draft };
  if (value === undefined) {
    delete next[key];
  } else {
    (next as any)[key] = value;
  }
  return next;
}

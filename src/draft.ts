/**
 * The user's choices for the next build of a notebook (package edits, platform, tag...), and
 * the pure functions that turn them, with the analysis and the settings, into the rows the
 * panel shows and the `BuildRequest` it sends.
 */
import type { Analysis, PackageEdits, StartBuildRequest } from './api';
import {
  LOCK_PLACEHOLDER,
  checkReference,
  checkRegistry,
  joinReference,
  renderTagTemplate
} from './tags';

export const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;

export interface IAddedPackage {
  /** As typed; compared normalised. */
  name: string;
  /** A version (`1.2.3`), a specifier (`>=1.2`) or '' for any. */
  version: string;
}

/** What the user changed; everything unset follows the analysis and the settings. */
export interface IDraft {
  added: IAddedPackage[];
  /** New version of an analysed package, by normalised name. */
  versions: Record<string, string>;
  /** Analysed packages left out, normalised names. */
  removed: string[];
  /** `optional` overrides of analysed packages, by normalised name. */
  optional: Record<string, boolean>;
  platform?: string;
  baseImage?: string;
  tag?: string;
  registry?: string;
  push?: boolean;
  verify?: boolean;
}

/** Defaults of the image fields: the settings over the server's own. */
export interface IDraftDefaults {
  platform: string;
  baseImage: string;
  /** The settings' tag template, else the server's. */
  tagTemplate: string;
  /** The server's tag template (`ServerInfo.tag_template`). */
  serverTagTemplate: string;
  registry: string;
  push: boolean;
  verify: boolean;
}

export const EMPTY_DEFAULTS: IDraftDefaults = {
  platform: 'linux/amd64',
  baseImage: '',
  tagTemplate: '{notebook}:{lock}',
  serverTagTemplate: '{notebook}:{lock}',
  registry: '',
  push: false,
  verify: false
};

export function emptyDraft(): IDraft {
  return { added: [], versions: {}, removed: [], optional: {} };
}

/** PEP 503 normalised distribution name. */
export function normaliseName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, '-');
}

const NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.!+*_-]*$/;
const SPECIFIER =
  /^(===|==|!=|~=|<=|>=|<|>)\s*[0-9A-Za-z][0-9A-Za-z.!+*_-]*(\s*,\s*(===|==|!=|~=|<=|>=|<|>)\s*[0-9A-Za-z][0-9A-Za-z.!+*_-]*)*$/;

export type FieldProblem =
  | 'name-empty'
  | 'name-invalid'
  | 'version-invalid'
  | 'tag-empty'
  | 'tag-invalid'
  | 'tag-too-long'
  | 'tag-lock'
  | 'registry-invalid'
  | 'base-invalid';

export function checkPackageName(name: string): FieldProblem | null {
  if (!name.trim()) {
    return 'name-empty';
  }
  return NAME.test(name.trim()) ? null : 'name-invalid';
}

/** '' (any version), `1.2.3` or a specifier set (`>=1.2,<2`). */
export function checkVersion(version: string): FieldProblem | null {
  const text = version.trim();
  return !text || VERSION.test(text) || SPECIFIER.test(text)
    ? null
    : 'version-invalid';
}

/** The PEP 508 spec of a package: `name==1.2`, `name>=1.2` or `name`. */
export function specFor(name: string, version: string): string {
  const text = version.trim().replace(/\s+/g, '');
  if (!text) {
    return normaliseName(name);
  }
  return /^[=!~<>]/.test(text)
    ? `${normaliseName(name)}${text}`
    : `${normaliseName(name)}==${text}`;
}

export type RowStatus = 'analysed' | 'changed' | 'removed' | 'added';

/** One line of the packages table. */
export interface IPackageRow {
  name: string;
  /** The kernel's version (null: the kernel lacks it). */
  kernelVersion: string | null;
  /** What the user asked for ('' when unchanged). */
  pin: string;
  /** The `%pip` line's requirement, if any. */
  specifier: string | null;
  source: string;
  reasons: string[];
  optional: boolean;
  status: RowStatus;
  /** Not in the kernel: the resolver picks the version. */
  unresolved: boolean;
  /** The distribution name was guessed from the import name. */
  guess: boolean;
  problem: FieldProblem | null;
}

export function packageRows(
  analysis: Analysis | null,
  draft: IDraft
): IPackageRow[] {
  const rows: IPackageRow[] = [];
  for (const req of analysis?.requirements ?? []) {
    const name = normaliseName(req.name);
    const pin = draft.versions[name] ?? '';
    const removed = draft.removed.includes(name);
    const changed = !!pin.trim() && pin.trim() !== req.version;
    rows.push({
      name: req.name,
      kernelVersion: req.version ?? null,
      pin,
      specifier: req.specifier ?? null,
      source: req.source,
      reasons: req.reasons ?? [],
      optional: draft.optional[name] ?? !!req.optional,
      status: removed ? 'removed' : changed ? 'changed' : 'analysed',
      unresolved: req.version === null || req.version === undefined,
      guess: req.source === 'guess',
      problem: checkVersion(pin)
    });
  }
  for (const added of draft.added) {
    rows.push({
      name: normaliseName(added.name),
      kernelVersion: null,
      pin: added.version,
      specifier: null,
      source: 'user',
      reasons: [],
      optional: false,
      status: 'added',
      unresolved: false,
      guess: false,
      problem: checkPackageName(added.name) ?? checkVersion(added.version)
    });
  }
  return rows;
}

/**
 * The edits sent with the build. A new version of an analysed package is an `add` with its
 * pin (the lock applies `add` specs over the kernel's version). An import the kernel lacks
 * and marked optional is left out (as the lock does with optional imports); one un-marked is
 * added, so the resolver must find it.
 */
export function packageEdits(
  analysis: Analysis | null,
  draft: IDraft
): PackageEdits {
  const add: string[] = [];
  const remove: string[] = [];
  for (const row of packageRows(analysis, draft)) {
    if (row.status === 'added') {
      add.push(specFor(row.name, row.pin));
      continue;
    }
    const name = normaliseName(row.name);
    if (row.status === 'removed') {
      remove.push(name);
      continue;
    }
    const wasOptional = !!analysis?.requirements?.find(
      r => normaliseName(r.name) === name
    )?.optional;
    if (row.unresolved && row.optional && !wasOptional) {
      remove.push(name);
      continue;
    }
    if (row.status === 'changed') {
      add.push(specFor(name, row.pin));
    } else if (row.unresolved && !row.optional && wasOptional) {
      add.push(row.specifier ?? name);
    }
  }
  return { add: unique(add), remove: unique(remove) };
}

/** The image fields as the panel shows them: the user's values over the defaults. */
export interface IImageFields {
  platform: string;
  baseImage: string;
  tag: string;
  registry: string;
  push: boolean;
  verify: boolean;
}

export function imageFields(
  path: string,
  draft: IDraft,
  defaults: IDraftDefaults
): IImageFields {
  return {
    platform: draft.platform ?? defaults.platform,
    baseImage: draft.baseImage ?? defaults.baseImage,
    tag: draft.tag ?? renderTagTemplate(defaults.tagTemplate, path),
    registry: draft.registry ?? defaults.registry,
    push: draft.push ?? defaults.push,
    verify: draft.verify ?? defaults.verify
  };
}

export interface IDraftProblems {
  tag: FieldProblem | null;
  registry: FieldProblem | null;
  baseImage: FieldProblem | null;
  /** Packages whose name or version can't be used, by row name. */
  packages: Record<string, FieldProblem>;
}

export function hasProblems(problems: IDraftProblems): boolean {
  return (
    !!problems.tag ||
    !!problems.registry ||
    !!problems.baseImage ||
    Object.keys(problems.packages).length > 0
  );
}

/**
 * The reference to send as `tag`, or undefined to let the server name the image with its
 * own template (only possible while it is the server's template and no registry is added:
 * the server fills `{lock}` in its template only).
 */
function tagToSend(
  path: string,
  fields: IImageFields,
  defaults: IDraftDefaults
): { tag?: string; problem: FieldProblem | null } {
  const reference = joinReference(fields.registry, fields.tag);
  switch (checkReference(fields.tag.trim())) {
    case 'empty':
      return { problem: 'tag-empty' };
    case 'grammar':
      return { problem: 'tag-invalid' };
    case 'too-long':
      return { problem: 'tag-too-long' };
  }
  if (checkReference(reference) === 'too-long') {
    return { problem: 'tag-too-long' };
  }
  if (!reference.includes(LOCK_PLACEHOLDER)) {
    return { tag: reference, problem: null };
  }
  const serverDefault = renderTagTemplate(defaults.serverTagTemplate, path);
  if (fields.tag.trim() === serverDefault && !fields.registry.trim()) {
    return { problem: null };
  }
  return { problem: 'tag-lock' };
}

/** The request of the next build and what stands in its way. */
export function buildRequest(
  path: string,
  analysis: Analysis | null,
  draft: IDraft,
  defaults: IDraftDefaults
): { request: StartBuildRequest; problems: IDraftProblems } {
  const fields = imageFields(path, draft, defaults);
  const { tag, problem } = tagToSend(path, fields, defaults);
  const packages: Record<string, FieldProblem> = {};
  for (const row of packageRows(analysis, draft)) {
    if (row.problem && row.status !== 'removed') {
      packages[row.name] = row.problem;
    }
  }
  const problems: IDraftProblems = {
    tag: problem,
    registry:
      checkRegistry(fields.registry) === null ? null : 'registry-invalid',
    baseImage:
      fields.baseImage.trim() &&
      checkReference(
        fields.baseImage.trim().replace(/@sha256:[0-9a-f]{64}$/, '')
      )
        ? 'base-invalid'
        : null,
    packages
  };
  const request: StartBuildRequest = {
    path,
    platform: fields.platform,
    push: fields.push,
    verify: fields.verify,
    edits: packageEdits(analysis, draft)
  };
  if (tag) {
    request.tag = tag;
  }
  if (fields.baseImage.trim()) {
    request.base_image = fields.baseImage.trim();
  }
  return { request, problems };
}

/** How many changes the draft holds over the analysis (for the "N edits" badge). */
export function editCount(draft: IDraft): number {
  return (
    draft.added.length +
    draft.removed.length +
    Object.values(draft.versions).filter(v => v.trim()).length +
    Object.keys(draft.optional).length
  );
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

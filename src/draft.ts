/**
 * The user's choices for the next build of a notebook (package edits, platform, tag...), and
 * the pure functions that turn them, with the analysis and the settings, into the rows the
 * panel shows and the `BuildRequest` it sends.
 */
import type {
  Analysis,
  PackageEdits,
  SecretFinding,
  StartBuildRequest
} from './api';
import {
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
  /** Local modules and data files (paths as analysed) left out of the image. */
  excluded: string[];
  /** The possible secrets (`secretKey`) the user chose to ship anyway. */
  allowedSecrets?: string[];
  platform?: string;
  baseImage?: string;
  tag?: string;
  registry?: string;
  push?: boolean;
  verify?: boolean;
  /** What makes the image: auto, engine, registry or archive (`BuildRequest.output`). */
  output?: string;
}

/** Defaults of the image fields: the settings over the server's own. */
export interface IDraftDefaults {
  platform: string;
  baseImage: string;
  /** The settings' tag template, else the server's. */
  tagTemplate: string;
  /** The server's tag template (`ServerInfo.tag_template`). */
  serverTagTemplate: string;
  /** The settings' registry, else the server's. */
  registry: string;
  /** The server's registry (`ServerInfo.registry`), prefixed to its own tags. */
  serverRegistry: string;
  push: boolean;
  verify: boolean;
  output: string;
}

export const EMPTY_DEFAULTS: IDraftDefaults = {
  platform: 'linux/amd64',
  baseImage: '',
  tagTemplate: '{notebook}:{lock}',
  serverTagTemplate: '{notebook}:{lock}',
  registry: '',
  serverRegistry: '',
  push: false,
  verify: false,
  output: 'auto'
};

export function emptyDraft(): IDraft {
  return { added: [], versions: {}, removed: [], optional: {}, excluded: [] };
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
  | 'registry-invalid'
  | 'base-invalid'
  | 'secrets-unconfirmed';

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
 * pin (the lock applies `add` specs over the kernel's version); optional marks go as they
 * are (the lock leaves out an optional import the kernel lacks).
 */
export function packageEdits(
  analysis: Analysis | null,
  draft: IDraft
): PackageEdits {
  const add: string[] = [];
  const remove: string[] = [];
  const optional: Record<string, boolean> = {};
  for (const row of packageRows(analysis, draft)) {
    const name = normaliseName(row.name);
    if (row.status === 'added') {
      add.push(specFor(row.name, row.pin));
    } else if (row.status === 'removed') {
      remove.push(name);
    } else {
      if (row.status === 'changed') {
        add.push(specFor(name, row.pin));
      }
      if (name in draft.optional) {
        optional[name] = draft.optional[name];
      }
    }
  }
  const edits: PackageEdits = { add: unique(add), remove: unique(remove) };
  if (Object.keys(optional).length > 0) {
    edits.optional = optional;
  }
  return edits;
}

/** One local module or data file the image would copy. */
export interface IFileRow {
  path: string;
  kind: 'module' | 'data';
  /** Bytes (null: the server did not tell). */
  size: number | null;
  large: boolean;
  included: boolean;
}

export function fileRows(analysis: Analysis | null, draft: IDraft): IFileRow[] {
  const sizes = analysis?.local_module_sizes ?? {};
  const excluded = new Set(draft.excluded);
  return [
    ...(analysis?.local_modules ?? []).map(path => ({
      path,
      kind: 'module' as const,
      size: sizes[path] ?? null,
      large: false,
      included: !excluded.has(path)
    })),
    ...(analysis?.data_files ?? []).map(file => ({
      path: file.path,
      kind: 'data' as const,
      size: file.size,
      large: !!file.large,
      included: !excluded.has(file.path)
    }))
  ];
}

/** A finding's identity: its place and kind (a new or moved secret needs a new confirmation). */
export function secretKey(finding: SecretFinding): string {
  return [
    finding.path,
    finding.cell ?? '',
    finding.output ? 'output' : '',
    finding.line,
    finding.kind
  ].join('|');
}

/** One place where the analysis found possible secrets. */
export interface ISecretRow {
  path: string;
  /** The notebook's cell (null: a local module or data file). */
  cell: number | null;
  /** In the cell's output rather than its source. */
  output: boolean;
  line: number;
  /** The detectors' names for it, e.g. 'AWS Access Key'. */
  kinds: string[];
  /** The local module or data file (as analysed) holding it; null: the notebook itself. */
  file: string | null;
  /** Its file is left out of the image. */
  excluded: boolean;
}

function holder(finding: SecretFinding, files: IFileRow[]): IFileRow | null {
  if (finding.cell !== null && finding.cell !== undefined) {
    return null;
  }
  return (
    files.find(
      file =>
        finding.path === file.path || finding.path.startsWith(`${file.path}/`)
    ) ?? null
  );
}

/** The analysis' findings, one row per place. */
export function secretRows(
  analysis: Analysis | null,
  draft: IDraft
): ISecretRow[] {
  const files = fileRows(analysis, draft);
  const rows = new Map<string, ISecretRow>();
  for (const finding of analysis?.secrets ?? []) {
    const place = secretKey({ ...finding, kind: '' });
    let row = rows.get(place);
    if (!row) {
      const file = holder(finding, files);
      row = {
        path: finding.path,
        cell: finding.cell ?? null,
        output: !!finding.output,
        line: finding.line,
        kinds: [],
        file: file?.path ?? null,
        excluded: !!file && !file.included
      };
      rows.set(place, row);
    }
    if (!row.kinds.includes(finding.kind)) {
      row.kinds.push(finding.kind);
    }
  }
  return [...rows.values()];
}

/** The keys of the findings the image would still ship (their files not left out). */
export function pendingSecrets(
  analysis: Analysis | null,
  draft: IDraft
): string[] {
  const files = fileRows(analysis, draft);
  return (analysis?.secrets ?? [])
    .filter(finding => holder(finding, files)?.included ?? true)
    .map(secretKey);
}

/** True when every finding the image would ship was confirmed by the user. */
export function secretsAllowed(
  analysis: Analysis | null,
  draft: IDraft
): boolean {
  const allowed = new Set(draft.allowedSecrets ?? []);
  return pendingSecrets(analysis, draft).every(key => allowed.has(key));
}

/** The image fields as the panel shows them: the user's values over the defaults. */
export interface IImageFields {
  platform: string;
  baseImage: string;
  tag: string;
  registry: string;
  push: boolean;
  verify: boolean;
  output: string;
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
    verify: draft.verify ?? defaults.verify,
    output: draft.output ?? defaults.output
  };
}

export interface IDraftProblems {
  tag: FieldProblem | null;
  registry: FieldProblem | null;
  baseImage: FieldProblem | null;
  /** Packages whose name or version can't be used, by row name. */
  packages: Record<string, FieldProblem>;
  /** Possible secrets the image would ship, not confirmed. */
  secrets: FieldProblem | null;
}

export function hasProblems(problems: IDraftProblems): boolean {
  return (
    !!problems.tag ||
    !!problems.registry ||
    !!problems.baseImage ||
    !!problems.secrets ||
    Object.keys(problems.packages).length > 0
  );
}

/**
 * The tag and registry to send, or neither to let the server name the image with its own
 * template and registry. The server fills `{notebook}` and `{lock}` in either.
 */
function tagToSend(
  path: string,
  fields: IImageFields,
  defaults: IDraftDefaults
): { tag?: string; registry?: string; problem: FieldProblem | null } {
  const tag = fields.tag.trim();
  const registry = fields.registry.trim().replace(/\/+$/, '');
  switch (checkReference(tag)) {
    case 'empty':
      return { problem: 'tag-empty' };
    case 'grammar':
      return { problem: 'tag-invalid' };
    case 'too-long':
      return { problem: 'tag-too-long' };
  }
  if (checkReference(joinReference(registry, tag)) === 'too-long') {
    return { problem: 'tag-too-long' };
  }
  const serverTag = renderTagTemplate(defaults.serverTagTemplate, path);
  const serverRegistry = defaults.serverRegistry.trim().replace(/\/+$/, '');
  if (tag === serverTag && registry === serverRegistry) {
    return { problem: null };
  }
  return { tag, registry, problem: null };
}

/** The request of the next build and what stands in its way. */
export function buildRequest(
  path: string,
  analysis: Analysis | null,
  draft: IDraft,
  defaults: IDraftDefaults
): { request: StartBuildRequest; problems: IDraftProblems } {
  const fields = imageFields(path, draft, defaults);
  const { tag, registry, problem } = tagToSend(path, fields, defaults);
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
    packages,
    secrets: secretsAllowed(analysis, draft) ? null : 'secrets-unconfirmed'
  };
  const request: StartBuildRequest = {
    path,
    platform: fields.platform as StartBuildRequest['platform'],
    push: fields.push,
    verify: fields.verify,
    edits: packageEdits(analysis, draft)
  };
  if (tag) {
    request.tag = tag;
    request.registry = registry ?? '';
  }
  const listed = new Set(fileRows(analysis, draft).map(file => file.path));
  const excluded = draft.excluded.filter(file => listed.has(file));
  if (excluded.length > 0) {
    request.exclude_files = excluded;
  }
  if (fields.baseImage.trim()) {
    request.base_image = fields.baseImage.trim();
  }
  if (fields.output !== 'auto') {
    request.output = fields.output as StartBuildRequest['output'];
  }
  if (pendingSecrets(analysis, draft).length > 0 && !problems.secrets) {
    request.allow_secrets = true;
  }
  return { request, problems };
}

/** How many changes the draft holds over the analysis (for the "N edits" badge). */
export function editCount(draft: IDraft): number {
  return (
    draft.added.length +
    draft.removed.length +
    Object.values(draft.versions).filter(v => v.trim()).length +
    Object.keys(draft.optional).length +
    draft.excluded.length +
    (draft.allowedSecrets?.length ? 1 : 0)
  );
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

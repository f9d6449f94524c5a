/**
 * Image references as the server checks them (jupyter_containerize/tags.py, after Docker's
 * distribution/reference grammar), so a tag is validated while it is typed.
 */

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DOMAIN = `(?:${LABEL}(?:\\.${LABEL})*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)`;
// Python's `\w` on str is Unicode-aware; Docker (and this) accept ASCII only.
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';

/** `[domain/]path[:tag]` with named groups, as `tags.REFERENCE`. */
export const REFERENCE = new RegExp(
  `^(?:(?<domain>${DOMAIN})/)?(?<path>${COMPONENT}(?:/${COMPONENT})*)(?::(?<tag>${TAG}))?$`
);

/** The placeholder the server fills with the lock's hash (12 hex digits). */
export const LOCK_PLACEHOLDER = '{lock}';

/** Why a reference is invalid: a key of `ReferenceProblem`, or null when it is valid. */
export type ReferenceProblem = 'empty' | 'too-long' | 'grammar' | null;

/** The placeholder the server fills with the notebook's slug. */
export const NOTEBOOK_PLACEHOLDER = '{notebook}';

/**
 * Check an image reference. `{lock}` stands for 12 hex digits and `{notebook}` for the
 * notebook's slug (the server fills both).
 */
export function checkReference(reference: string): ReferenceProblem {
  const text = reference
    .split(LOCK_PLACEHOLDER)
    .join('0123456789ab')
    .split(NOTEBOOK_PLACEHOLDER)
    .join('notebook');
  if (!text) {
    return 'empty';
  }
  const match = REFERENCE.exec(text);
  if (!match) {
    return 'grammar';
  }
  if (text.length > 255 || (match.groups?.path ?? '').length > 255) {
    return 'too-long';
  }
  return null;
}

/** A registry prefix: a domain and/or namespace path, e.g. `localhost:5000/team`. */
export function checkRegistry(registry: string): ReferenceProblem {
  const text = registry.replace(/\/+$/, '');
  if (!text) {
    return null;
  }
  // Valid when `REGISTRY/x` is a valid reference.
  return checkReference(`${text}/x`) === null ? null : 'grammar';
}

/** `registry/tag` (the registry's trailing slashes dropped). */
export function joinReference(registry: string, tag: string): string {
  const prefix = registry.trim().replace(/\/+$/, '');
  return prefix ? `${prefix}/${tag.trim()}` : tag.trim();
}

/** Longest slug kept whole (as the server's `tags.MAX_SLUG`). */
export const MAX_SLUG = 64;

/** 8 hex digits of FNV-1a (32 bit) over the UTF-8 bytes of `text` (as `tags.name_hash`). */
export function nameHash(text: string): string {
  let value = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    value = Math.imul(value ^ byte, 0x01000193) >>> 0;
  }
  return value.toString(16).padStart(8, '0');
}

/**
 * A valid path component made of a notebook's file name, as the server's `slug`: a name
 * that is not one already (other than by case) gets a hash of it, long names are cut.
 */
export function slug(path: string): string {
  const stem = (path.split('/').pop() ?? '').replace(/\.ipynb$/, '');
  const lower = stem.toLowerCase();
  let value = lower.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const lossless = value === lower && value.length <= MAX_SLUG;
  value = value.slice(0, MAX_SLUG).replace(/-+$/, '') || 'notebook';
  return lossless ? value : `${value}-${nameHash(stem)}`;
}

/** The tag template with `{notebook}` filled; `{lock}` is left for the server. */
export function renderTagTemplate(template: string, path: string): string {
  return template.replace(/\{notebook\}/g, slug(path));
}

/**
 * Defaults of the next build: the settings over what the server says (`ServerInfo`).
 */
import type { Analysis, ServerInfo } from './api';
import { EMPTY_DEFAULTS, IDraftDefaults } from './draft';

/** Defaults applied to every build (from the settings). */
export interface IBuildDefaults {
  baseImage?: string;
  /** Tag of the image; the server fills `{notebook}` (the notebook's slug) and `{lock}`. */
  tagTemplate?: string;
  /** Prefixed to the tag. */
  registry?: string;
  push?: boolean;
  verify?: boolean;
  platform?: string;
}

/** The phases the server reports when it can't be asked (`ServerInfo.phases`). */
export const DEFAULT_PHASES = [
  'analyse',
  'lock',
  'context',
  'build',
  'verify',
  'push'
];

/** The defaults of the image fields: the settings over the server's. */
export function draftDefaults(
  settings: IBuildDefaults,
  info: ServerInfo | null
): IDraftDefaults {
  const serverTemplate = info?.tag_template || EMPTY_DEFAULTS.serverTagTemplate;
  const serverRegistry = info?.registry ?? '';
  return {
    platform: settings.platform || EMPTY_DEFAULTS.platform,
    baseImage: settings.baseImage ?? '',
    tagTemplate: settings.tagTemplate || serverTemplate,
    serverTagTemplate: serverTemplate,
    registry: settings.registry || serverRegistry,
    serverRegistry,
    push: !!settings.push,
    verify: !!settings.verify,
    output: EMPTY_DEFAULTS.output
  };
}

/** The base image the server uses when the field is left empty. */
export function defaultBaseImage(
  info: ServerInfo | null,
  analysis: Analysis | null
): string {
  const template = info?.base_image_template ?? '';
  const version = analysis?.python.version ?? '';
  const [major, minor] = version.split('.');
  return major && minor
    ? template
        .replace(/\{major\}/g, major)
        .replace(/\{minor\}/g, minor)
        .replace(/\{version\}/g, version)
    : template;
}

/**
 * The run form: a notebook's parameters (as the server read its `parameters` cell) turned into
 * fields, and the typed text of each field turned into a JSON value, as papermill types `-p`
 * values; pure functions, tested on their own.
 */
import type { NotebookParameter } from './api';

/** The JSON value a field gives. */
export type ParameterValue =
  | string
  | number
  | boolean
  | null
  | ParameterValue[]
  | { [key: string]: ParameterValue };

/** Why a field's text is not a value of its parameter's type. */
export type ParameterProblem = 'int' | 'float' | 'list' | 'dict' | 'json';

export interface IParameterField {
  name: string;
  /** The parameter's type (null: any value, typed as papermill types it). */
  type: NotebookParameter['type'];
  /** The default as written in the cell. */
  defaultText: string;
  help: string;
  /** What the field holds: the user's text, else the default's. */
  text: string;
  /** True when the user changed the field. */
  edited: boolean;
  problem: ParameterProblem | null;
}

/** The text a field starts with: the literal default (none for an expression or None). */
export function defaultText(parameter: NotebookParameter): string {
  const value = parameter.value;
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  return parameter.type === 'float' && Number.isInteger(value)
    ? `${value}.0`
    : String(value);
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Papermill's typing of a `-p` value (plus JSON lists and objects), as the runner does. */
export function papermillValue(text: string): ParameterValue {
  if (text === 'True' || text === 'true') {
    return true;
  }
  if (text === 'False' || text === 'false') {
    return false;
  }
  if (text === 'None' || text === 'null') {
    return null;
  }
  if (INT.test(text.trim())) {
    return parseInt(text, 10);
  }
  if (FLOAT.test(text.trim())) {
    return parseFloat(text);
  }
  if (/^\s*[[{]/.test(text)) {
    try {
      const parsed = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object') {
        return parsed;
      }
    } catch {
      // not JSON: text
    }
  }
  return text;
}

/** The value of `text` for a parameter of `type`, or why it is not one. */
export function parseValue(
  type: NotebookParameter['type'],
  text: string
): { value: ParameterValue } | { problem: ParameterProblem } {
  const trimmed = text.trim();
  switch (type) {
    case 'str':
      return { value: text };
    case 'bool':
      return { value: trimmed === 'True' || trimmed === 'true' };
    case 'int':
      return INT.test(trimmed)
        ? { value: parseInt(trimmed, 10) }
        : { problem: 'int' };
    case 'float':
      return FLOAT.test(trimmed)
        ? { value: parseFloat(trimmed) }
        : { problem: 'float' };
    case 'list':
    case 'dict': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        return { problem: type };
      }
      const fits =
        type === 'list'
          ? Array.isArray(parsed)
          : parsed !== null &&
            typeof parsed === 'object' &&
            !Array.isArray(parsed);
      return fits ? { value: parsed as ParameterValue } : { problem: type };
    }
    default:
      return { value: papermillValue(text) };
  }
}

/** The fields of `parameters` with the user's `texts` (by name) over the defaults. */
export function parameterFields(
  parameters: readonly NotebookParameter[],
  texts: Readonly<Record<string, string>>
): IParameterField[] {
  return parameters.map(parameter => {
    const edited = Object.prototype.hasOwnProperty.call(texts, parameter.name);
    const text = edited ? texts[parameter.name] : defaultText(parameter);
    const parsed = text === '' ? null : parseValue(parameter.type, text);
    return {
      name: parameter.name,
      type: parameter.type ?? null,
      defaultText: parameter.default,
      help: parameter.help ?? '',
      text,
      edited,
      problem: parsed && 'problem' in parsed ? parsed.problem : null
    };
  });
}

/**
 * The values a run sends: every field that holds text (an empty one leaves the notebook's
 * default, e.g. an expression), typed; null when a field has a problem.
 */
export function parameterValues(
  fields: readonly IParameterField[]
): Record<string, ParameterValue> | null {
  const values: Record<string, ParameterValue> = {};
  for (const field of fields) {
    if (field.problem) {
      return null;
    }
    if (field.text === '' && field.type !== 'str') {
      continue;
    }
    if (field.text === '' && !field.edited) {
      continue;
    }
    const parsed = parseValue(field.type, field.text);
    if ('value' in parsed) {
      values[field.name] = parsed.value;
    }
  }
  return values;
}

import type { NotebookParameter } from '../api';
import {
  defaultText,
  papermillValue,
  parameterFields,
  parameterValues,
  parseValue
} from '../parameters';

const param = (
  name: string,
  type: NotebookParameter['type'],
  defaultSource: string,
  value: unknown
): NotebookParameter =>
  ({
    name,
    type,
    default: defaultSource,
    value,
    help: ''
  }) as NotebookParameter;

const CELL: NotebookParameter[] = [
  param('region', 'str', '"all"', 'all'),
  param('limit', 'int', '10', 10),
  param('ratio', 'float', '1.0', 1),
  param('verbose', 'bool', 'False', false),
  param('regions', 'list', '["North"]', ['North']),
  param('options', 'dict', '{"a": 1}', { a: 1 }),
  param('start', null, 'None', null),
  param('today', null, 'date.today()', null)
];

describe('the run form', () => {
  it('starts each field at its literal default', () => {
    expect(CELL.map(defaultText)).toEqual([
      'all',
      '10',
      '1.0',
      'False',
      '["North"]',
      '{"a":1}',
      '',
      ''
    ]);
  });

  it('types text as papermill types -p values', () => {
    expect(papermillValue('True')).toBe(true);
    expect(papermillValue('none')).toBe('none');
    expect(papermillValue('None')).toBe(null);
    expect(papermillValue('12')).toBe(12);
    expect(papermillValue('1e-3')).toBe(0.001);
    expect(papermillValue('[1, "a"]')).toEqual([1, 'a']);
    expect(papermillValue('[not json')).toBe('[not json');
    expect(papermillValue('North')).toBe('North');
  });

  it('checks a value as typed for its type', () => {
    expect(parseValue('str', '123')).toEqual({ value: '123' });
    expect(parseValue('int', ' 42 ')).toEqual({ value: 42 });
    expect(parseValue('int', '4.2')).toEqual({ problem: 'int' });
    expect(parseValue('float', '.5')).toEqual({ value: 0.5 });
    expect(parseValue('float', 'half')).toEqual({ problem: 'float' });
    expect(parseValue('bool', 'True')).toEqual({ value: true });
    expect(parseValue('list', '{"a": 1}')).toEqual({ problem: 'list' });
    expect(parseValue('dict', '[1]')).toEqual({ problem: 'dict' });
    expect(parseValue('dict', '{"b": [2]}')).toEqual({ value: { b: [2] } });
    expect(parseValue(null, '7')).toEqual({ value: 7 });
  });

  it('sends typed values, and none while a field has a problem', () => {
    const fields = parameterFields(CELL, { region: 'North', limit: '3' });
    expect(fields[0]).toMatchObject({ text: 'North', edited: true });
    expect(parameterValues(fields)).toEqual({
      region: 'North',
      limit: 3,
      ratio: 1,
      verbose: false,
      regions: ['North'],
      options: { a: 1 }
      // start and today: empty, the notebook's own defaults stay
    });
    const wrong = parameterFields(CELL, { limit: 'ten' });
    expect(wrong[1].problem).toBe('int');
    expect(parameterValues(wrong)).toBeNull();
    const typed = parameterFields(CELL, { today: '2024-01-01', region: '' });
    expect(parameterValues(typed)).toMatchObject({
      today: '2024-01-01',
      region: ''
    });
  });
});

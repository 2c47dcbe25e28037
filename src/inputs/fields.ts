import { quote } from './input-rules.js';

// The shape of one row of the input table, and the parsers several rows share.

/** Where a parser reports what is wrong with its input; every report becomes one line of the InputError. */
export interface Problems {
  /** The input's name as action.yml spells it. */
  readonly name: string;
  /** `Input "<name>" must be <expected>; got <value>` (value: the raw input unless given). */
  bad(expected: string, value?: string): void;
  /** A sentence of its own, for problems that do not fit "must be … got …". */
  problem(sentence: string): void;
}

/** One input: its name, the default action.yml declares, and how its text becomes a value. */
export interface Field<T> {
  readonly name: string;
  /**
   * The default as action.yml writes it. The runner fills defaults in, but the action also runs
   * without them (tests, `node dist/index.js`), so an empty input takes this value here too.
   */
  readonly default?: string;
  /** action.yml marks the input required (it has no default). */
  readonly required?: true;
  /** An input set to '' means '' (not the default); only an absent input takes the default. */
  readonly explicitEmpty?: true;
  /** The typed value; reports problems and returns a stand-in value when the text is bad. */
  parse(raw: string, p: Problems): T;
}

/** Problems collected for one input into the list of the whole run. */
export function problemsOf(name: string, raw: string, sink: string[]): Problems {
  return {
    name,
    bad: (expected, value = raw) => sink.push(`Input "${name}" must be ${expected}; got ${quote(value)}`),
    problem: (sentence) => sink.push(sentence),
  };
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** A YAML 1.2 core-schema boolean, as @actions/core's getBooleanInput accepts it. */
export function readBoolean(raw: string, p: Problems): boolean {
  if (TRUE.includes(raw)) return true;
  if (!FALSE.includes(raw)) p.bad(`one of ${[...TRUE, ...FALSE].join(', ')}`);
  return false;
}

/** One of a fixed list of words, any case; the first word when it is none of them. */
export function oneOf<T extends string>(words: readonly [T, ...T[]]): Field<T>['parse'] {
  return (raw, p) => {
    const word = words.find((w) => w === raw.toLowerCase());
    if (word === undefined) p.bad(`one of ${words.join(', ')}`);
    return word ?? words[0];
  };
}

/** STS AssumeRole's DurationSeconds bounds. */
const MIN_DURATION = 900;
const MAX_DURATION = 43200;

/** A whole number of seconds STS accepts as a session duration. */
export function readDuration(raw: string, p: Problems): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (value >= MIN_DURATION && value <= MAX_DURATION) return value;
  p.bad(`a whole number of seconds from ${MIN_DURATION} to ${MAX_DURATION}`);
  return MIN_DURATION;
}

// A small PromQL reader for the monitoring test: not a full parser, but enough to refuse an
// expression with unbalanced brackets, an unterminated string, a malformed label matcher or range,
// or an unknown function, and to list the series names and labels an expression uses.

const AGGREGATIONS = [
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
];
const OVER_TIME = ['avg', 'min', 'max', 'sum', 'count', 'quantile', 'stddev', 'stdvar', 'last', 'present', 'mad'];
const FUNCTIONS = new Set([
  ...AGGREGATIONS,
  ...OVER_TIME.map((name) => `${name}_over_time`),
  ...['abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min'],
  ...['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor'],
  ...['histogram_quantile', 'histogram_avg', 'histogram_count', 'histogram_sum', 'histogram_fraction'],
  ...['histogram_stddev', 'histogram_stdvar', 'holt_winters', 'double_exponential_smoothing', 'hour'],
  ...['idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln', 'log2', 'log10', 'minute'],
  ...['month', 'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc'],
  ...['sqrt', 'time', 'timestamp', 'vector', 'year'],
]);
/** Followed by a list of label names in parentheses. */
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
/** Grafana's variables stand for a range in brackets, a regular expression in a matcher's string. */
const GRAFANA_RANGE_VARIABLES = /^\$(__rate_interval|__interval|__range)$/;

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selector {
  /** The series name: undefined for a selector in braces alone. */
  name: string | undefined;
  matchers: Matcher[];
}

export interface PromqlReading {
  selectors: Selector[];
  /** Labels named by by, without, on, ignoring, group_left and group_right. */
  groupingLabels: string[];
  functions: string[];
  errors: string[];
}

const CLOSING: Record<string, string> = { '(': ')', '{': '}', '[': ']' };
const IDENTIFIER = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const NUMBER = /^(0x[0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/;

/** Reads one PromQL expression (Grafana's $variables allowed); errors lists what is wrong with it. */
export function readPromql(expression: string): PromqlReading {
  const reading: PromqlReading = { selectors: [], groupingLabels: [], functions: [], errors: [] };
  const error = (message: string) => reading.errors.push(message);
  const open: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < expression.length && /\s/.test(expression[i])) i++;
  };
  /** A quoted string from i (on its quote); undefined when unterminated. */
  const readString = (): string | undefined => {
    const quote = expression[i];
    let value = '';
    for (let j = i + 1; j < expression.length; j++) {
      const char = expression[j];
      if (char === '\\' && quote !== '`') {
        value += expression[j + 1] ?? '';
        j++;
        continue;
      }
      if (char === quote) {
        i = j + 1;
        return value;
      }
      value += char;
    }
    error(`unterminated string at ${i}`);
    i = expression.length;
    return undefined;
  };
  /** The label matchers of a selector, from i just after its `{` to after its `}`. */
  const readMatchers = (): Matcher[] => {
    const matchers: Matcher[] = [];
    for (;;) {
      skipSpace();
      if (expression[i] === '}') {
        i++;
        return matchers;
      }
      const label = IDENTIFIER.exec(expression.slice(i))?.[0];
      if (!label) {
        error(`a label name expected at ${i} in a selector`);
        return matchers;
      }
      i += label.length;
      skipSpace();
      const op = /^(=~|!~|!=|=)/.exec(expression.slice(i))?.[0] as Matcher['op'] | undefined;
      if (!op) {
        error(`a matcher operator expected after ${label}`);
        return matchers;
      }
      i += op.length;
      skipSpace();
      if (!['"', "'", '`'].includes(expression[i])) {
        error(`a quoted value expected after ${label}${op}`);
        return matchers;
      }
      const value = readString();
      if (value === undefined) return matchers;
      if (op === '=~' || op === '!~') {
        try {
          new RegExp(`^(?:${value.replace(/\$\w+/g, '.*')})$`);
        } catch {
          error(`${label}${op}"${value}": not a regular expression`);
        }
      }
      matchers.push({ label, op, value });
      skipSpace();
      if (expression[i] === ',') i++;
      else if (expression[i] !== '}') {
        error(`',' or '}' expected at ${i} in a selector`);
        return matchers;
      }
    }
  };
  /** The label names of a grouping clause, from i on its `(` to after its `)`. */
  const readLabelList = (clause: string): void => {
    i++;
    for (;;) {
      skipSpace();
      if (expression[i] === ')') {
        i++;
        return;
      }
      const label = IDENTIFIER.exec(expression.slice(i))?.[0];
      if (!label) {
        error(`a label name expected at ${i} in ${clause} (...)`);
        i = expression.length;
        return;
      }
      reading.groupingLabels.push(label);
      i += label.length;
      skipSpace();
      if (expression[i] === ',') i++;
    }
  };

  while (i < expression.length) {
    const char = expression[i];
    const rest = expression.slice(i);
    if (/\s/.test(char)) {
      i++;
    } else if (char === '"' || char === "'" || char === '`') {
      readString();
    } else if (char === '(') {
      open.push(char);
      i++;
    } else if (char === '{') {
      // A selector in braces alone, with no series name.
      i++;
      reading.selectors.push({ name: undefined, matchers: readMatchers() });
    } else if (char === '[') {
      const end = expression.indexOf(']', i);
      if (end < 0) {
        error(`unclosed '[' at ${i}`);
        break;
      }
      const [range, step, ...more] = expression
        .slice(i + 1, end)
        .split(':')
        .map((part) => part.trim());
      const isDuration = (text: string) => DURATION.test(text) || GRAFANA_RANGE_VARIABLES.test(text);
      if (!isDuration(range) || (step !== undefined && step !== '' && !isDuration(step)) || more.length > 0) {
        error(`'[${expression.slice(i + 1, end)}]' is not a range`);
      }
      i = end + 1;
    } else if (char === ')' || char === '}' || char === ']') {
      const opener = open.pop();
      if (opener === undefined || CLOSING[opener] !== char) error(`unbalanced '${char}' at ${i}`);
      i++;
    } else if (IDENTIFIER.test(rest)) {
      const name = IDENTIFIER.exec(rest)![0];
      i += name.length;
      skipSpace();
      const next = expression[i];
      if (GROUPING.has(name)) {
        if (next === '(') readLabelList(name);
        else if (!name.startsWith('group_')) error(`'(' expected after ${name}`);
      } else if (KEYWORDS.has(name.toLowerCase())) {
        if (name === 'offset') {
          const duration = /^-?[0-9a-z]+/.exec(expression.slice(i))?.[0] ?? '';
          if (!DURATION.test(duration.replace(/^-/, ''))) error(`a duration expected after offset`);
          i += duration.length;
        }
      } else if (FUNCTIONS.has(name)) {
        // An aggregation may put its grouping first: sum by (service) (...).
        const grouped = AGGREGATIONS.includes(name) && /^(by|without)\b/.test(expression.slice(i));
        if (next === '(' || grouped) reading.functions.push(name);
        else error(`'(' expected after the function ${name}`);
      } else if (next === '(') {
        error(`unknown function ${name}`);
      } else if (next === '{') {
        i++;
        reading.selectors.push({ name, matchers: readMatchers() });
      } else {
        reading.selectors.push({ name, matchers: [] });
      }
    } else if (NUMBER.test(rest)) {
      i += NUMBER.exec(rest)![0].length;
    } else if (/^(==|!=|<=|>=|[-+*/%^<>,])/.test(rest)) {
      i += /^(==|!=|<=|>=|[-+*/%^<>,])/.exec(rest)![0].length;
    } else {
      error(`unexpected '${char}' at ${i}`);
      i++;
    }
  }
  if (open.length > 0) error(`unclosed '${open.join('')}'`);
  if (reading.selectors.length === 0) error('no series selected');
  return reading;
}

/**
 * The shape of a user's SQL text before the audit embeds it in its own queries. A `where` or an
 * `expression` goes inside parentheses in the fused scan, next to other checks' aggregates; a
 * `sql` check's query becomes a subquery. Text that closes more brackets than it opens, or ends
 * inside a string or comment, could end that context and rewrite what other checks compute, so
 * such text is refused when the checks are validated. The scan below follows DuckDB's lexical
 * rules for strings, quoted identifiers and comments; whatever it cannot follow exactly (block
 * comments, which nest in DuckDB, and `$` quoting) is refused rather than guessed at.
 */

export type SqlTextKind = 'expression' | 'query';

const CLOSER: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
/** Characters after which a quote cannot start a token of its own: part of a word or a prefix (x'..', U&'..', 1E'..'). */
const WORD_CHAR = /[A-Za-z0-9_&\u0080-\uffff]/;

interface Scan {
  readonly problem?: string;
  /** Offset of the first `;` outside strings and comments, when there is one. */
  readonly firstSemicolon?: number;
}

/** The end of a quoted run starting at `start` (the opening quote), or -1 when it never ends. */
function endOfQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (backslashEscapes && c === '\\') {
      i++;
      continue;
    }
    if (c !== quote) continue;
    if (text[i + 1] === quote) {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

function at(text: string, offset: number): string {
  if (!text.includes('\n')) return `at character ${offset + 1}`;
  const before = text.slice(0, offset).split('\n');
  return `at line ${before.length}, character ${(before.at(-1)?.length ?? 0) + 1}`;
}

function scan(text: string, kind: SqlTextKind): Scan {
  const open: Array<{ char: string; offset: number }> = [];
  let firstSemicolon: number | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (firstSemicolon !== undefined && !/\s/.test(c) && !(c === '-' && text[i + 1] === '-') && c !== ';') {
      return { problem: `more than one statement: text follows the ';' ${at(text, firstSemicolon)}` };
    }
    if (c === "'") {
      // E'...' strings also take backslash escapes. Other prefixes glued to a quote (x'..', b'..',
      // THEN'..') are lexed in ways this scan does not follow, so they need a space.
      const prefix = WORD_CHAR.test(text[i - 1] ?? '');
      const escapes = prefix && /[eE]/.test(text[i - 1] ?? '') && !WORD_CHAR.test(text[i - 2] ?? '');
      if (prefix && !escapes) return { problem: `put a space before the string literal ${at(text, i)}` };
      const end = endOfQuoted(text, i, "'", escapes);
      if (end < 0) return { problem: `a string literal opened ${at(text, i)} is never closed` };
      i = end;
    } else if (c === '"') {
      const end = endOfQuoted(text, i, '"', false);
      if (end < 0) return { problem: `a quoted identifier opened ${at(text, i)} is never closed` };
      i = end;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      return { problem: `block comments (/* */) are not allowed; use -- comments (${at(text, i)})` };
    } else if (c === '$') {
      return { problem: `'$' (dollar-quoted strings, parameters) is not allowed (${at(text, i)})` };
    } else if (c === ';') {
      if (kind === 'expression') return { problem: `';' is not allowed in an expression (${at(text, i)})` };
      firstSemicolon = i;
    } else if (CLOSER[c] !== undefined) {
      open.push({ char: c, offset: i });
    } else if (c === ')' || c === ']' || c === '}') {
      const last = open.pop();
      if (last === undefined) return { problem: `'${c}' ${at(text, i)} closes a bracket this text never opened` };
      if (CLOSER[last.char] !== c) return { problem: `'${c}' ${at(text, i)} does not match the '${last.char}' ${at(text, last.offset)}` };
    }
  }
  const unclosed = open.pop();
  if (unclosed !== undefined) return { problem: `the '${unclosed.char}' ${at(text, unclosed.offset)} is never closed` };
  return firstSemicolon === undefined ? {} : { firstSemicolon };
}

/**
 * Why the text cannot be embedded as one `expression` (inside parentheses) or one `query` (as a
 * subquery), or undefined when it can. Trailing semicolons are allowed after a query.
 */
export function sqlTextProblem(text: string, kind: SqlTextKind): string | undefined {
  return scan(text, kind).problem;
}

/** A query that passed sqlTextProblem, without its trailing semicolons (and any comment after them). */
export function withoutTrailingSemicolons(query: string): string {
  const { firstSemicolon } = scan(query, 'query');
  return (firstSemicolon === undefined ? query : query.slice(0, firstSemicolon)).trim();
}

import { describe, expect, it } from 'vitest';
import { sqlTextProblem, withoutTrailingSemicolons } from '../../src/shared/audits/sql-shape.js';

describe('the shape of SQL text a check embeds', () => {
  it('accepts expressions with strings, quoted identifiers, brackets and line comments', () => {
    for (const ok of [
      "status = 'paid'",
      "note = 'it''s (not) closed'",
      '"odd ""name"" (x)" > 0',
      "E'a\\'b)' <> name",
      'amount IN (1, 2, (3)) AND list_contains([1, 2], id) AND {a: 1}.a = 1',
      "amount > 0 -- a comment with ) in it\nAND id > 0",
      "CASE WHEN x THEN 'a' ELSE 'b' END = 'a'",
    ]) {
      expect(sqlTextProblem(ok, 'expression'), ok).toBeUndefined();
    }
  });

  it('refuses text that would end the parentheses it is put in, or hide their end', () => {
    const cases: Array<[string, RegExp]> = [
      ['true)) AS "zz", 0 AS "a1", count(*) FILTER (WHERE (true', /'\)' at character 5 closes a bracket this text never opened/],
      ['(a = 1', /the '\(' at character 1 is never closed/],
      ['a IN (1, 2]', /'\]' at character 11 does not match the '\(' at character 6/],
      ["name = 'abc", /string literal opened at character 8 is never closed/],
      ['"abc = 1', /quoted identifier opened at character 1 is never closed/],
      ["E'\\'' ) , 0 AS a1, ( '", /'\)' at character 7 closes a bracket/],
      ['a = 1 /* ) */', /block comments/],
      ['a = $$)$$', /'\$'/],
      ['a = 1; DROP TABLE t', /';' is not allowed in an expression/],
      ["x'41' = a", /put a space before the string literal at character 2/],
      ["CASE WHEN x THEN'a' END", /put a space before/],
    ];
    for (const [text, problem] of cases) expect(sqlTextProblem(text, 'expression'), text).toMatch(problem);
  });

  it('lets a query end in semicolons and comments, but not carry a second statement', () => {
    expect(sqlTextProblem('SELECT 1;', 'query')).toBeUndefined();
    expect(sqlTextProblem('SELECT 1; -- done\n;', 'query')).toBeUndefined();
    expect(withoutTrailingSemicolons("SELECT ';' AS x ; -- done")).toBe("SELECT ';' AS x");
    expect(sqlTextProblem('SELECT 1; SELECT 2', 'query')).toMatch(/more than one statement: text follows the ';' at character 9/);
    expect(sqlTextProblem('SELECT * FROM t WHERE bad) WHERE false --', 'query')).toMatch(/closes a bracket/);
  });

  it('names the line of a problem in multi-line text', () => {
    expect(sqlTextProblem('a = 1\nAND b = (2', 'expression')).toMatch(/the '\(' at line 2, character 9 is never closed/);
  });
});

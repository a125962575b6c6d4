import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ChecksInvalidError } from './errors.js';

/**
 * Reads a JSON or YAML file into a plain value. `.json` files are read as JSON, anything
 * else as YAML (a superset of JSON). Errors become ChecksInvalidError naming the file.
 */
export async function readStructuredFile(file: string, what: string): Promise<unknown> {
  const label = `${what} ${file}`;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (error as Error).message;
    throw new ChecksInvalidError(label, [reason]);
  }
  try {
    return path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0];
      // The parser's first line ends with its own "at line L, column C:"; the position goes first instead.
      const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw new ChecksInvalidError(label, [`${where === undefined ? '' : `line ${where.line}, column ${where.col}: `}${reason}`]);
    }
    // JSON.parse quotes the text near the error, newlines included: one line for the one-line message.
    throw new ChecksInvalidError(label, [`not valid JSON: ${(error as Error).message.replace(/\s+/g, ' ')}`]);
  }
}

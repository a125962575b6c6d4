import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENV_BIN = path.join(REPO_ROOT, '.venv', 'bin');
export const PYTHON = path.join(VENV_BIN, 'python');

/** `node --import <this>` runs TypeScript entry points from any working directory. */
export const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

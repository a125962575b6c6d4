import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENV_BIN = path.join(REPO_ROOT, '.venv', 'bin');
export const PYTHON = path.join(VENV_BIN, 'python');

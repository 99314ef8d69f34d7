/** Reads a config file: JSON syntax errors are reported with line and column, then ./validate runs. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BadgewireError } from '../errors';
import type { BridgeConfig } from './types';
import { validateConfig } from './validate';

function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

export function loadConfig(file: string): BridgeConfig {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BadgewireError('E_CONFIG_READ', `cannot read config file ${path}`, {}, { cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const where = m ? ` at ${position(text, Number(m[1]))}` : '';
    throw new BadgewireError('E_CONFIG_INVALID', `config file is not valid JSON${where}`, {});
  }
  return validateConfig(raw, dirname(path));
}

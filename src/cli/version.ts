import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../native/package-root.js';

export function readPackageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

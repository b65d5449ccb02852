// The hash of the sources an addon binary is built from. scripts/prebuild.sh records it in each
// prebuild's manifest.json, and test/unit/prebuild-freshness.test.ts compares it with the checkout,
// so a committed prebuild that no longer matches the code fails CI instead of shipping old code.
//
// Usage: node scripts/source-hash.mjs [ROOT]   prints the hash (sha256, hex)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What shapes the binary: the C++ sources, the build description and the scripts that run it. */
export const SOURCE_PATHS = [
  'native',
  'binding',
  'CMakeLists.txt',
  'scripts/find-libtorch.cmake',
  'scripts/prebuild.sh',
];

function filesUnder(root, path, out) {
  const full = join(root, path);
  if (statSync(full).isDirectory()) {
    for (const name of readdirSync(full)) filesUnder(root, join(path, name), out);
  } else {
    out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}

/** sha256 over every file's path and content, in path order; independent of where ROOT is. */
export function sourceHash(root) {
  const files = SOURCE_PATHS.flatMap((p) => filesUnder(root, p, [])).sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(
      `${file}\0${createHash('sha256')
        .update(readFileSync(join(root, file)))
        .digest('hex')}\n`,
    );
  }
  return hash.digest('hex');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${sourceHash(process.argv[2] ?? join(import.meta.dirname, '..'))}\n`);
}

// Class list files. One format serves synset words (LOC_synset_mapping.txt, synset_words.txt),
// our classes.txt, and --classes files: one class per line, its id first, optionally followed by
// whitespace and a human-readable name ("n01440764 tench, Tinca tinca").
import { readFile } from 'node:fs/promises';

export interface ClassListEntry {
  id: string;
  name?: string;
  /** 1-based line number, for error messages. */
  line: number;
}

export async function readClassListFile(path: string): Promise<ClassListEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read class list ${path}: ${(err as Error).message}`);
  }
  const entries: ClassListEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    const name = match[2]?.trim();
    entries.push({ id: match[1]!, ...(name ? { name } : {}), line: i + 1 });
  });
  return entries;
}

/** Map from class id to name, for synset words files. */
export async function readClassNames(path: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const entry of await readClassListFile(path)) if (entry.name) names.set(entry.id, entry.name);
  return names;
}

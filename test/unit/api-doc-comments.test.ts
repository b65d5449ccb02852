// Every name the package exports (src/index.ts, what `import … from 'casm-native'` sees) has a doc
// comment, so the generated API reference (`npm run docs:api`) never shows a bare signature.
// Read with the TypeScript compiler the project builds with; re-exports are followed to their
// declaration.
import * as path from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..', '..');

/** Exported names of `entry` whose declarations carry no doc comment. */
function undocumentedExports(entry: string): { exported: string[]; undocumented: string[] } {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error(`${entry} not found`);
  const module = checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${entry} is not a module`);
  const exported: string[] = [];
  const undocumented: string[] = [];
  for (const symbol of checker.getExportsOfModule(module)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    exported.push(symbol.name);
    const documented =
      target.getDocumentationComment(checker).some((part) => part.text.trim() !== '') ||
      (target.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    if (!documented) undocumented.push(symbol.name);
  }
  return { exported, undocumented };
}

it('every name exported from src/index.ts has a doc comment', () => {
  const { exported, undocumented } = undocumentedExports(path.join(repo, 'src', 'index.ts'));
  // The public API is large; a broken module resolution would find next to nothing.
  expect(exported.length).toBeGreaterThan(40);
  expect(exported).toContain('Model');
  expect(undocumented).toEqual([]);
});

it('notices an export without a doc comment', () => {
  // A fixture beside this file: one documented and one bare export.
  const { undocumented } = undocumentedExports(path.join(repo, 'test', 'fixtures', 'api-doc-comments', 'index.ts'));
  expect(undocumented).toEqual(['bare']);
});

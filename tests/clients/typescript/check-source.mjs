// The journey reads every body through the generated types: no cast (`as`, `<T>`), no
// non-null assertion (`!`), no `any` or `unknown` written in it, no `@ts-` directive.
// Usage: node check-source.mjs journey.ts
import { readFileSync } from "node:fs";
import ts from "typescript";

const FORBIDDEN = new Map([
  [ts.SyntaxKind.AsExpression, "a cast (as)"],
  [ts.SyntaxKind.TypeAssertionExpression, "a cast (<T>)"],
  [ts.SyntaxKind.NonNullExpression, "a non-null assertion (!)"],
  [ts.SyntaxKind.AnyKeyword, "any"],
  [ts.SyntaxKind.UnknownKeyword, "unknown"],
]);

let found = 0;
for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, "utf8");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const report = (position, what) => {
    const { line, character } = source.getLineAndCharacterOfPosition(position);
    console.error(`${path}(${line + 1},${character + 1}): ${what}`);
    found++;
  };
  const visit = (node) => {
    const what = FORBIDDEN.get(node.kind);
    if (what) report(node.getStart(source), what);
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const match of text.matchAll(/@ts-(ignore|expect-error|nocheck)/g)) report(match.index, match[0]);
}
process.exit(found ? 1 : 0);

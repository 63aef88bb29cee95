import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

/**
 * Source checks the build fails on (run by test/attack/static-checks.test.ts):
 * - `sql-raw`: drizzle's `sql.raw(…)` with anything but a literal: raw SQL built from data;
 * - `query-interpolation`: `.query(…)` / `.exec(…)` / `.unsafe(…)` given a template literal with
 *   `${…}` or a `+` concatenation of anything but literal constants: a string-built statement
 *   instead of bind parameters;
 * - `ssh-host-verifier`: an SSH connect config (it has ssh2 keys such as `username`) without a
 *   `hostVerifier`, or with one that accepts every key (`() => true`);
 * - `tls-no-verify`: `rejectUnauthorized: false` (or `= false`), and any mention of
 *   `NODE_TLS_REJECT_UNAUTHORIZED`;
 * - `outbound-redirect`: server code (app/, lib/, db/, server.ts; not "use client" files) calling
 *   `fetch(…)` without `redirect: "manual"` or `"error"`: fetch follows redirects by default, so a
 *   receiver could steer the request to an address nobody validated.
 */
export type StaticRule = "sql-raw" | "query-interpolation" | "ssh-host-verifier" | "tls-no-verify" | "outbound-redirect";

export interface Finding {
  file: string;
  line: number;
  rule: StaticRule;
  /** The innermost named function (or "<module>") the finding sits in, for the allow-list. */
  within: string;
  text: string;
}

export interface AllowedFinding {
  file: string;
  rule: StaticRule;
  within: string;
  /** Why this one is safe; reviewed like code. */
  reason: string;
}

const SSH_ONLY_KEYS = new Set(["username", "privateKey", "passphrase", "authHandler", "readyTimeout", "keepaliveInterval", "keepaliveCountMax", "hostHash", "agent", "tryKeyboard"]);
const QUERY_METHODS = new Set(["query", "exec", "unsafe", "execute"]);

function propertyName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined;
}

function isLiteralText(node: ts.Expression): boolean {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

/** Names declared in the file as `const NAME = "literal"`: fixed text, never request data. */
function literalConstants(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclarationList(node) && node.flags & ts.NodeFlags.Const) {
      for (const declaration of node.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.initializer && isLiteralText(declaration.initializer)) names.add(declaration.name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/** A string built from pieces that are not all literals (or literal constants): `a ${b}` or "a" + b. */
function isBuiltString(node: ts.Expression, constants: Set<string>): boolean {
  const inner = ts.isParenthesizedExpression(node) ? node.expression : node;
  const fixed = (part: ts.Expression) => isLiteralText(part) || (ts.isIdentifier(part) && constants.has(part.text));
  if (ts.isTemplateExpression(inner)) return !inner.templateSpans.every((span) => fixed(span.expression));
  if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return !((fixed(inner.left) || !isBuiltString(inner.left, constants)) && fixed(inner.right));
  }
  return false;
}

function isFalse(node: ts.Expression): boolean {
  if (node.kind === ts.SyntaxKind.FalseKeyword) return true;
  if (ts.isNumericLiteral(node) && node.text === "0") return true;
  // !1, !true
  return ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken && (ts.isNumericLiteral(node.operand) || node.operand.kind === ts.SyntaxKind.TrueKeyword);
}

function acceptsEverything(node: ts.Expression): boolean {
  if (!ts.isArrowFunction(node) && !ts.isFunctionExpression(node)) return node.kind === ts.SyntaxKind.TrueKeyword;
  const body = node.body;
  if (ts.isBlock(body)) {
    return body.statements.length === 1 && ts.isReturnStatement(body.statements[0]) && body.statements[0].expression?.kind === ts.SyntaxKind.TrueKeyword;
  }
  return body.kind === ts.SyntaxKind.TrueKeyword;
}

function enclosingName(node: ts.Node): string {
  for (let current: ts.Node | undefined = node.parent; current; current = current.parent) {
    if ((ts.isFunctionDeclaration(current) || ts.isMethodDeclaration(current)) && current.name) return current.name.getText();
    if ((ts.isArrowFunction(current) || ts.isFunctionExpression(current)) && ts.isVariableDeclaration(current.parent)) return current.parent.name.getText();
  }
  return "<module>";
}

function isServerCode(file: string, source: ts.SourceFile): boolean {
  if (!/^(app|lib|db)\//.test(file) && file !== "server.ts" && !file.startsWith("fixtures/")) return false;
  const first = source.statements[0];
  return !(first && ts.isExpressionStatement(first) && ts.isStringLiteral(first.expression) && first.expression.text === "use client");
}

function refusesRedirects(options: ts.Expression | undefined): boolean {
  if (!options || !ts.isObjectLiteralExpression(options)) return false;
  return options.properties.some((p) => ts.isPropertyAssignment(p) && propertyName(p.name) === "redirect" && ts.isStringLiteral(p.initializer) && ["manual", "error"].includes(p.initializer.text));
}

export function checkSource(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const serverCode = isServerCode(file, source);
  const constants = literalConstants(source);
  const report = (node: ts.Node, rule: StaticRule) =>
    findings.push({ file, rule, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, within: enclosingName(node), text: node.getText().split("\n")[0].slice(0, 120) });

  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const [first] = node.arguments;
      if (method === "raw" && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === "sql" && !(first && isLiteralText(first))) report(node, "sql-raw");
      if (QUERY_METHODS.has(method) && first && isBuiltString(first, constants)) report(node, "query-interpolation");
      if (method === "connect" && first && ts.isObjectLiteralExpression(first)) {
        const keys = new Map<string, ts.ObjectLiteralElementLike>();
        for (const property of first.properties) {
          const name = ts.isShorthandPropertyAssignment(property) ? property.name.text : propertyName(property.name);
          if (name) keys.set(name, property);
        }
        const looksLikeSsh = [...keys.keys()].some((key) => SSH_ONLY_KEYS.has(key));
        const verifier = keys.get("hostVerifier");
        if (looksLikeSsh && (!verifier || (ts.isPropertyAssignment(verifier) && acceptsEverything(verifier.initializer)))) report(node, "ssh-host-verifier");
      }
    }
    if (serverCode && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "fetch" && !refusesRedirects(node.arguments[1])) report(node, "outbound-redirect");
    if (ts.isPropertyAssignment(node) && propertyName(node.name) === "rejectUnauthorized" && isFalse(node.initializer)) report(node, "tls-no-verify");
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && node.left.name.text === "rejectUnauthorized" && isFalse(node.right)) {
      report(node, "tls-no-verify");
    }
    if ((ts.isIdentifier(node) || ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && node.text === "NODE_TLS_REJECT_UNAUTHORIZED") report(node, "tls-no-verify");
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

/** Top-level folders that hold no production code: tests, end-to-end specs, build output, data. */
const SKIPPED_DIRECTORIES = new Set(["node_modules", ".next", ".git", "data", "test", "e2e", "test-results", "playwright-report", "playwright"]);

/** Every source file that ships or runs outside the test suites (tests and migrations excluded). */
export function productionSourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      if (entry.name.startsWith(".e2e-data") || entry.name.startsWith(".")) continue;
      const full = path.join(directory, entry.name);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules" || SKIPPED_DIRECTORIES.has(relative) || relative === path.join("db", "migrations")) continue;
        walk(full);
      } else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(entry.name) && !/\.test\.tsx?$|\.test-support\.ts$|\.d\.ts$/.test(entry.name)) {
        files.push(relative);
      }
    }
  };
  walk(root);
  return files.sort();
}

export function checkTree(root: string, allowed: AllowedFinding[]): { findings: Finding[]; unusedAllowances: AllowedFinding[] } {
  const all = productionSourceFiles(root).flatMap((file) => checkSource(file, fs.readFileSync(path.join(root, file), "utf8")));
  const isAllowed = (finding: Finding, entry: AllowedFinding) => entry.file === finding.file && entry.rule === finding.rule && entry.within === finding.within;
  return {
    findings: all.filter((finding) => !allowed.some((entry) => isAllowed(finding, entry))),
    unusedAllowances: allowed.filter((entry) => !all.some((finding) => isAllowed(finding, entry))),
  };
}

import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export const projectRoot = path.resolve(__dirname, "../../..");

function walk(directory: string, accept: (file: string) => boolean, found: string[] = []): string[] {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) walk(full, accept, found);
    else if (accept(entry.name)) found.push(path.relative(projectRoot, full));
  }
  return found.sort();
}

const isSource = (name: string) => /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name);

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(path.join(projectRoot, file), "utf8"), ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
}

function hasDirective(statements: ts.NodeArray<ts.Statement>, directive: string): boolean {
  for (const statement of statements) {
    if (!ts.isExpressionStatement(statement) || !ts.isStringLiteral(statement.expression)) return false;
    if (statement.expression.text === directive) return true;
  }
  return false;
}

/** Files under app/ (and components/) whose first statement is the "use server" directive. */
export function serverActionFiles(): string[] {
  return ["app", "components"].flatMap((dir) => walk(path.join(projectRoot, dir), isSource)).filter((file) => hasDirective(parse(file).statements, "use server"));
}

/**
 * Functions with an inline "use server" directive (server actions declared inside components):
 * they bypass defineAction, so the matrix refuses them outright.
 */
export function inlineServerActions(): string[] {
  const found: string[] = [];
  for (const file of ["app", "components", "lib"].flatMap((dir) => walk(path.join(projectRoot, dir), isSource))) {
    const source = parse(file);
    const visit = (node: ts.Node) => {
      if ((ts.isFunctionDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node)) && node.body && ts.isBlock(node.body) && hasDirective(node.body.statements, "use server")) {
        found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** Every route handler file: app/**\/route.ts. */
export function routeFiles(): string[] {
  return walk(path.join(projectRoot, "app"), (name) => /^route\.tsx?$/.test(name));
}

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The exported HTTP method handlers of a route module. */
export function routeMethods(module: Record<string, unknown>): HttpMethod[] {
  return HTTP_METHODS.filter((method) => typeof module[method] === "function");
}

export async function importProjectModule(file: string): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ path.join(projectRoot, file))) as Record<string, unknown>;
}

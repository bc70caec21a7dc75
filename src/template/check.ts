/** Compile-time check, as Jinja2 makes it: every filter and test a template names must exist. */
import type { Expr, Pos, Stmt } from './ast.js';
import { type SourcePosition, UnknownPluginError } from './errors.js';
import type { FilterDef, FilterRegistry, TestDef, TestRegistry } from './plugins.js';
import { suggest } from '../python/suggest.js';

export interface PluginFinder {
  readonly filters: FilterRegistry;
  readonly tests: TestRegistry;
  findFilter(name: string): FilterDef | undefined;
  findTest(name: string): TestDef | undefined;
}

/** Checks at compile time that every filter and test exists (registered or a plugin file's); the error suggests the nearest name. */
export function checkPlugins(env: PluginFinder, body: Stmt[], position: (pos: Pos) => SourcePosition): void {
  const visitExpr = (e: Expr | null): void => {
    if (!e) return;
    switch (e.kind) {
      case 'filter':
      case 'test': {
        const registry = e.kind === 'filter' ? env.filters : env.tests;
        if ((e.kind === 'filter' ? env.findFilter(e.name) : env.findTest(e.name)) === undefined) {
          throw new UnknownPluginError(
            e.kind === 'filter' ? 'unknown-filter' : 'unknown-test',
            e.name,
            suggest(e.name, registry.keys()),
            position(e.pos),
          );
        }
        if (e.kind === 'filter') visitExpr(e.node);
        else visitExpr(e.node);
        e.args.forEach(visitExpr);
        e.kwargs.forEach(([, v]) => visitExpr(v));
        visitExpr(e.dynArgs);
        visitExpr(e.dynKwargs);
        return;
      }
      case 'call':
        visitExpr(e.fn);
        e.args.forEach(visitExpr);
        e.kwargs.forEach(([, v]) => visitExpr(v));
        visitExpr(e.dynArgs);
        visitExpr(e.dynKwargs);
        return;
      case 'list':
      case 'tuple':
        e.items.forEach(visitExpr);
        return;
      case 'dict':
        e.pairs.forEach(([k, v]) => {
          visitExpr(k);
          visitExpr(v);
        });
        return;
      case 'getattr':
        visitExpr(e.obj);
        return;
      case 'getitem':
        visitExpr(e.obj);
        visitExpr(e.arg);
        return;
      case 'slice':
        visitExpr(e.start);
        visitExpr(e.stop);
        visitExpr(e.step);
        return;
      case 'binop':
      case 'and':
      case 'or':
        visitExpr(e.left);
        visitExpr(e.right);
        return;
      case 'unary':
        visitExpr(e.node);
        return;
      case 'compare':
        visitExpr(e.expr);
        e.ops.forEach((o) => visitExpr(o.expr));
        return;
      case 'condexpr':
        visitExpr(e.test);
        visitExpr(e.then);
        visitExpr(e.otherwise);
        return;
      default:
        return;
    }
  };
  const visitBody = (stmts: Stmt[]): void => {
    for (const s of stmts) {
      switch (s.kind) {
        case 'output':
          visitExpr(s.expr);
          break;
        case 'if':
          s.branches.forEach((b) => {
            visitExpr(b.test);
            visitBody(b.body);
          });
          visitBody(s.otherwise);
          break;
        case 'for':
          visitExpr(s.iter);
          visitExpr(s.filter);
          visitBody(s.body);
          visitBody(s.otherwise);
          break;
        case 'set':
          visitExpr(s.value);
          break;
        case 'setblock':
          visitExpr(s.filter);
          visitBody(s.body);
          break;
        case 'macro':
          s.signature.defaults.forEach(visitExpr);
          visitBody(s.body);
          break;
        case 'callblock':
          visitExpr(s.call);
          visitBody(s.body);
          break;
        case 'filterblock':
          visitExpr(s.filter);
          visitBody(s.body);
          break;
        case 'include':
          visitExpr(s.template);
          break;
        case 'with':
          s.targets.forEach(([, v]) => visitExpr(v));
          visitBody(s.body);
          break;
        default:
          break;
      }
    }
  };
  visitBody(body);
}
